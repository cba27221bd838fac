import ArgumentParser
import Foundation
import TermflashCore
import TermflashEngine
import TermflashHardware
import TermflashProfiles

/// `termflash mode --to download|diag|modem`: the profile's mode switches, each confirmed by
/// the USB identity the device re-enumerates with.
struct ModeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mode", abstract: "Switch a device's USB mode (storage, modem, diag, download) the way its profile says.",
        discussion: """
        Each step sends the profile's trigger (usb_modeswitch message, AT command or DIAG command), then waits for the \
        device to come back with the expected USB identity. Replies are shown but never taken as proof.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions

    @Option(help: "The mode to reach: storage, modem, diag or download.")
    var to: DeviceMode

    @Option(help: "Device profile id (default: the profile matching the device).")
    var profile: String?

    @Option(help: "With --dry-run and no device: the mode to start from.")
    var from: DeviceMode?

    @Option(help: ArgumentHelp("AT port to use instead of the profile's (e.g. /dev/ttyUSB2).", valueName: "tty"))
    var atPort: String?

    @Option(help: ArgumentHelp("DIAG port to use instead of the profile's.", valueName: "tty"))
    var diagPort: String?

    @Option(help: "Seconds to wait for each re-enumeration.")
    var timeout: Double = 30

    @Flag(help: "Print the steps and stop.")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            let library = try global.loadProfiles(logger: logger)
            if dryRun, let from {
                let profile = try library.requireProfile(id: try profileID(profile))
                return try render(ModeSwitchPlan(profile: profile, from: from, to: to))
            }
            let found = try USBEnumerator.select(device.selection, from: USBEnumerator.devices()) { library.identify($0.identity) != nil }
            let profile = try self.profile.map { try library.requireProfile(id: $0) } ?? library.profiles(matching: found.identity).first
            guard let profile, let mode = profile.identity(found.identity)?.mode else {
                throw ValidationError("no profile describes \(found.shortDescription); name one with --profile")
            }
            let plan = try ModeSwitchPlan(profile: profile, from: mode, to: to)
            if dryRun { return try render(plan) }
            guard !plan.steps.isEmpty else { return print("\(found.shortDescription) is already in \(to.rawValue) mode") }
            var runner = ModeSwitchRunner(plan: plan, environment: .hardware)
            runner.timeoutSeconds = timeout
            runner.ports = [.at: atPort, .diag: diagPort].compactMapValues { $0 }
            runner.onStep = { if !json { print("-> \($0)") } }
            let results = try runner.run(from: found) { library.identify($0)?.interfaceRoles ?? [:] }
            if json { return try printJSON(results) }
            for result in results {
                print("\(result.from) -> \(result.to): now \(result.identity) at \(result.path)" + (result.reply.map { " (replied: \($0))" } ?? ""))
            }
        }
    }

    private func profileID(_ id: String?) throws -> String {
        guard let id else { throw ValidationError("--dry-run --from needs --profile ID") }
        return id
    }

    private func render(_ plan: ModeSwitchPlan) throws {
        if json { return try printJSON(plan.descriptions) }
        print("\(plan.profileID): \(plan.from.rawValue) -> \(plan.to.rawValue), \(plan.steps.count) step(s)")
        for (index, line) in plan.descriptions.enumerated() { print("  \(index + 1). \(line)") }
    }
}


extension ModeSwitchEnvironment {
    /// libusb bulk transfers, termios ports and libusb hotplug.
    static var hardware: ModeSwitchEnvironment {
        ModeSwitchEnvironment(
            sendBulk: { device, interface, messages in
                let transport = try USBTransport(device: device, interface: interface)
                defer { transport.close() }
                return try ModeSwitchBulkMessages.send(messages, over: transport, timeoutSeconds: 5)
            },
            openSerial: { node in try SerialTransport(node: node) },
            waitFor: { identity, seconds in
                try USBHotplugWatcher.wait(for: "device as \(identity)", timeoutSeconds: seconds) { $0.identity == identity }
            })
    }
}
