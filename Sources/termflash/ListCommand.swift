import ArgumentParser
import TermflashCore
import TermflashHardware

/// `termflash list`: what is plugged in, and in which mode.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List USB modems, hotspots and routers and the mode each is in.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions

    @Flag(help: "Also list devices no profile or known identity recognises.")
    var all = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            let library = try global.loadProfiles(logger: logger)
            let reports = try USBEnumerator.devices()
                .filter(device.selection.matches)
                .map { DeviceReport(device: $0, identification: library.identify($0.identity)) }
                .filter { all || $0.name != nil }
            logger.debug("\(reports.count) device(s) listed")
            if json {
                try printJSON(["devices": reports])
            } else if reports.isEmpty {
                print(all ? "no USB devices" : "no known devices (try --all)")
            } else {
                print(reports.map(\.text).joined(separator: "\n\n"))
            }
        }
    }
}
