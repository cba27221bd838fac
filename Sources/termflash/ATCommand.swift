import ArgumentParser
import Foundation
import TermflashCore
import TermflashHardware
import TermflashProfiles
import TermflashProtocols
import Logging

/// `termflash at`: send AT commands to a modem's AT port and print the answers.
struct ATCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "at", abstract: "Send AT commands to a modem's AT port and print its answers.",
        discussion: "Without --port, the AT port of the selected device is found through its profile.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions

    @Option(help: "Baud rate of the port.")
    var baud = 115_200

    @Option(help: "Seconds each command may take.")
    var timeout: Double = 5

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Argument(help: "Commands, e.g. ATI AT+CGMR.")
    var commands: [String]

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            let port = try session.replay == nil ? atPort(logger: logger) : "replay"
            let opened = try TransportFactory(session: session).serial(port: port, baud: baud)
            let at = ATSession(transport: opened.transport, timeoutSeconds: timeout)
            var results: [[String: String]] = []
            for command in commands {
                let response = try at.run(command)
                results.append(["command": command, "lines": response.lines.joined(separator: "\n"), "final": response.final])
                if !json { print(([command] + response.lines.map { "  " + $0 } + ["  " + response.final]).joined(separator: "\n")) }
            }
            try opened.finish()
            if json { try printJSON(results) }
        }
    }

    /// `--port`, or the tty of the selected device's interface whose role is `at`.
    private func atPort(logger: Logger) throws -> String {
        if let port = device.port { return port }
        let library = try global.loadProfiles(logger: logger)
        let found = try USBEnumerator.select(device.selection, from: USBEnumerator.devices()) {
            library.identify($0.identity)?.interfaces(withRole: .at).isEmpty == false
        }
        let roles = library.identify(found.identity)?.interfaces(withRole: .at) ?? []
        guard let node = found.interfaces.first(where: { roles.contains(Int($0.number)) })?.ttys.first?.node else {
            throw ValidationError("\(found.shortDescription) has no tty on its AT interface; name one with --port")
        }
        logger.info("using AT port \(node) of \(found.shortDescription)")
        return node
    }
}
