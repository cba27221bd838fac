import ArgumentParser
import TermflashCore
import TermflashHardware

/// `termflash wait`: block until a device appears or re-enumerates in a mode.
struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait for a device to appear in the given mode (after a mode switch).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions

    @Option(help: "The mode to wait for: storage, modem, diag or download.")
    var mode: DeviceMode

    @Option(help: "Seconds to wait before giving up.")
    var timeout: Double = 30

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard mode != .unknown else { throw ValidationError("--mode must be storage, modem, diag or download") }
    }

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            let library = try global.loadProfiles(logger: logger)
            let selection = device.selection
            logger.info("waiting up to \(timeout) s for \(selection) in \(mode.rawValue) mode")
            let found = try USBHotplugWatcher.wait(for: "device in \(mode.rawValue) mode matching \(selection)",
                                                   timeoutSeconds: timeout) { candidate in
                selection.matches(candidate) && library.identify(candidate.identity)?.mode == mode
            }
            let report = DeviceReport(device: found, identification: library.identify(found.identity))
            if json { try printJSON(report) } else { print(report.text) }
        }
    }
}

extension DeviceMode: ExpressibleByArgument {
    /// The modes a user can ask for (`unknown` is only ever reported).
    public static var allValueStrings: [String] { allCases.filter { $0 != .unknown }.map(\.rawValue) }
}
