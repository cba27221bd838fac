import ArgumentParser
import TermflashPackages

/// `termflash identify`: a unit's branding (carrier/region variant), hardware revision and
/// firmware version, from what the unit itself says.
struct IdentifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify", abstract: "Tell a unit's branding, hardware revision and firmware from what it reports.",
        discussion: """
        Sources: the AT port (ATI, or --at-query) with --port/--path/--serial or --replay; the DIAG port (version info and
        extended build id) with --diag-port; a disk image or block device with
        --disk (U-Boot environment partitions and strings in every partition, read only); a U-Boot environment with
        --uboot-env. Each string is matched against the profile's variant firmware patterns.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var sources: UnitEvidenceOptions

    @Option(help: "Device profile id (e.g. mf286d).")
    var profile: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            let library = try global.loadProfiles(logger: logger)
            let deviceProfile = try library.requireProfile(id: profile)
            let evidence = try sources.gather(profile: deviceProfile, device: device, session: session, library: library, logger: logger)
            guard !evidence.isEmpty else { throw ValidationError("nothing to read: give --disk, --uboot-env, --port, --diag-port or a device") }
            let identification = BrandingIdentifier(profile: deviceProfile).identify(evidence)
            if json { try printJSON(identification) } else { print(identification.text) }
        }
    }
}
