import ArgumentParser
import Foundation
import Logging
import TermflashCore
import TermflashEngine
import TermflashPackages
import TermflashProfiles

/// `termflash rebrand --to VARIANT PACKAGE`: move a unit to another carrier/region variant of
/// the same hardware revision, with every changed partition backed up first and identity data
/// (IMEI, MAC, calibration) left alone.
struct RebrandCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebrand", abstract: "Change a unit's carrier/region branding with a package made for the target variant.",
        discussion: """
        Prints the plan — partitions that change (each backed up first), that stay, and that are never touched —
        then carries it out unless --dry-run. Refused across hardware revisions and for packages that write identity data.
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var sources: UnitEvidenceOptions
    @OptionGroup var packages: PackageOptions

    @Option(help: "The variant to move the unit to (an id from the profile's variants).")
    var to: String

    @Option(help: "The unit's current variant, when identification cannot tell.")
    var from: String?

    @Option(help: "Device profile id (e.g. mf286d).")
    var profile: String

    @Option(help: ArgumentHelp("Folder for the backups (default: termflash-backups/rebrand-<time>).", valueName: "dir"))
    var backupDir: String?

    @Option(help: ArgumentHelp("Journal file (default: termflash-journals/rebrand-<time>.json).", valueName: "file"))
    var journal: String?

    @Flag(help: "Print the plan and stop.")
    var dryRun = false

    @Flag(help: "Print JSON (the plan with --dry-run, else the report).")
    var json = false

    @Argument(help: "The package made for the target variant.")
    var package: String

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            let library = try global.loadProfiles(logger: logger)
            let deviceProfile = try library.requireProfile(id: profile)
            let evidence = try sources.gather(profile: deviceProfile, device: device, session: session, library: library, logger: logger)
            let identification = BrandingIdentifier(profile: deviceProfile).identify(evidence)
            let unitKey = packages.unitKey(disk: sources.disk, selection: device.selection)
            var unit = try packages.unitFacts(profile: deviceProfile, unitKey: unitKey).filling(from: identification.facts)
            if let from { unit.variant = from }
            let resolved = try packages.resolve([package], partitions: [], profile: deviceProfile, unit: unit, allowVariantChange: true)
            guard let verified = resolved.packages.first else {
                throw ValidationError("\(package) is not a termflash package; a rebrand needs a package that names its variant")
            }
            let plan = try RebrandPlan.make(profile: deviceProfile, unit: identification, from: unit.variant, target: to,
                                            manifest: verified.manifest)
            if dryRun { return json ? try printJSON(plan) : print(plan.text) }
            if !json { print(plan.text) }
            let report = try execute(resolved, profile: deviceProfile, library: library, logger: logger)
            unit.variant = to
            try packages.recordInstalled(resolved.packages, unitKey: unitKey, unit: unit)
            if json { try printJSON(report) } else { print(report.text) }
        }
    }

    /// Flashes the package's images with every region backed up first.
    private func execute(_ resolved: FlashInputResolver.Resolved, profile: DeviceProfile, library: ProfileLibrary,
                         logger: Logger) throws -> UpdateReport {
        let stamp = Self.timestamp()
        var request = FlashRequest(inputs: [package], profile: profile, library: library, selection: device.selection,
                                   programmer: nil, partitions: [], unlockedPartitions: [], memory: nil, baud: sources.baud,
                                   backupDirectory: backupDir ?? "termflash-backups/rebrand-\(stamp)", backupEverything: true,
                                   disk: sources.disk)
        request.images = resolved.images
        request.packages = resolved.packages
        let backend = try FlashBackends.choose(named: request.backendHint, for: request)
        var plan = try backend.plan(for: request)
        plan.backend = backend.name
        plan.id = "rebrand-\(to)"
        let readOnly = Set(PartitionIndex(profile).readOnly)
        plan = try PlanGuard(readOnly: readOnly, unlocked: [], backupDirectory: request.backupDirectory, backupEverything: true).apply(to: plan)
        let opened = try backend.open(for: request, transports: TransportFactory(session: session), logger: logger)
        let journalPath = journal ?? Self.defaultJournal(stamp)
        let engine = UpdateEngine(plan: plan, target: opened.target, resolver: opened.resolver, journalPath: journalPath,
                                  options: UpdateEngine.Options(retries: 1, skipUnchanged: false), logger: logger,
                                  events: ProgressRenderer(enabled: !json).handle)
        do {
            let report = try engine.run()
            try opened.close()
            return report
        } catch {
            try? opened.close()
            throw error
        }
    }

    private static func defaultJournal(_ stamp: String) -> String {
        try? FileManager.default.createDirectory(atPath: "termflash-journals", withIntermediateDirectories: true)
        return "termflash-journals/rebrand-\(stamp).json"
    }

    private static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
