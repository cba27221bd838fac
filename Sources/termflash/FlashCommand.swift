import ArgumentParser
import Foundation
import Logging
import TermflashCore
import TermflashEngine
import TermflashProfiles

/// `termflash flash`: plan, verify and write firmware through the device's protocol.
struct FlashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flash", abstract: "Flash firmware: verify every image, back up, write, verify on the device.",
        discussion: """
        The backend follows the device profile or the inputs: \(FlashBackends.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).
        Every update is journaled; one that stops can be resumed (--resume) or rolled back (--rollback).
        """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var flash: FlashOptions
    @OptionGroup var packages: PackageOptions

    @Argument(help: "What to flash: a rawprogram folder or zip, an image (with --partition), a package.")
    var inputs: [String] = []

    func validate() throws {
        if flash.resume == nil, flash.rollback == nil, flash.delta == nil, inputs.isEmpty {
            throw ValidationError("name what to flash, or --resume / --rollback a journal")
        }
    }

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            let request = try makeRequest(logger: logger)
            if let journalPath = flash.resume ?? flash.rollback {
                try continueJournal(at: journalPath, request: request, logger: logger)
                return
            }
            if let patch = flash.delta {
                try packages.requireAllowUnsigned(patch, format: "delta patch")
                return try flashDelta(patch, request: request, logger: logger)
            }
            let backend = try FlashBackends.choose(named: flash.backend ?? request.backendHint, for: request)
            var plan = try backend.plan(for: request)
            plan.backend = backend.name
            if let manifest = request.packages.first?.manifest { plan.summary += ", package \(manifest.id) \(manifest.version)" }
            plan = try planGuard(for: request).apply(to: plan)
            if flash.dryRun { return try render(plan: plan, commands: backend.consoleCommands(for: plan, request: request)) }
            if plan.containsDeltas {
                try flashPackageDeltas(plan, backend: backend, request: request, logger: logger)
                return try packages.recordInstalled(request.packages, unitKey: request.unitKey, unit: request.unit)
            }
            let opened = try backend.open(for: request, transports: TransportFactory(session: session), logger: logger)
            do { plan = try opened.place(plan) } catch { try? opened.close(); throw error }
            let engine = UpdateEngine(plan: plan, target: opened.target, resolver: opened.resolver,
                                      journalPath: flash.journal ?? defaultJournal(for: plan), options: engineOptions,
                                      logger: logger, events: ProgressRenderer(enabled: !flash.json).handle)
            try finish(opened) { try engine.run() }
            try packages.recordInstalled(request.packages, unitKey: request.unitKey, unit: request.unit)
        }
    }

    private func makeRequest(logger: Logger) throws -> FlashRequest {
        let library = try global.loadProfiles(logger: logger)
        let profile = try flash.profile.map { try library.requireProfile(id: $0) }
        var request = FlashRequest(inputs: inputs, profile: profile, library: library, selection: device.selection,
                                   programmer: flash.programmer, partitions: flash.partition, unlockedPartitions: flash.unlockPartition,
                                   memory: flash.memory, baud: flash.baud, backupDirectory: flash.backupDir ?? defaultBackupDirectory(),
                                   backupEverything: flash.backup, disk: flash.disk)
        request.overridePartitionTable = flash.overridePartitionTable
        request.skipUnchanged = flash.skipUnchanged
        // Resumes take their plan from the journal, and a delta names its partition itself.
        guard flash.resume == nil, flash.rollback == nil, flash.delta == nil else { return request }
        request.unitKey = packages.unitKey(disk: flash.disk, selection: device.selection)
        request.unit = try packages.unitFacts(profile: profile, unitKey: request.unitKey, disk: flash.disk)
        let resolved = try packages.resolve(inputs, partitions: flash.partition, profile: profile, unit: request.unit)
        request.images = resolved.images
        request.packages = resolved.packages
        return request
    }

    private func planGuard(for request: FlashRequest) -> PlanGuard {
        let readOnly = request.profile?.storage.flatMap { readOnlyNames($0.partitions) } ?? []
        return PlanGuard(readOnly: Set(readOnly), unlocked: Set(request.unlockedPartitions),
                         backupDirectory: request.backupDirectory, backupEverything: request.backupEverything)
    }

    private func readOnlyNames(_ partitions: [FlashPartition]) -> [String] {
        partitions.flatMap { ($0.readOnly ? [$0.name] : []) + readOnlyNames($0.partitions) }
    }

    private func continueJournal(at path: String, request: FlashRequest, logger: Logger) throws {
        let journal = try UpdateJournal.load(from: path)
        guard let name = flash.backend ?? journal.plan.backend else { throw FlashCommandError.journalWithoutBackend(path: path) }
        let backend = try FlashBackends.choose(named: name, for: request)
        let opened = try backend.open(for: request, transports: TransportFactory(session: session), logger: logger)
        let engine = try UpdateEngine(resuming: journal, target: opened.target, resolver: opened.resolver, journalPath: path,
                                      options: engineOptions, logger: logger, events: ProgressRenderer(enabled: !flash.json).handle)
        try finish(opened) { flash.rollback != nil ? try engine.rollBack() : try engine.run() }
    }

    /// Runs the engine, closes the device, and prints and saves the report, also on failure.
    func finish(_ opened: FlashSession, _ body: () throws -> UpdateReport) throws {
        do {
            let report = try body()
            try opened.close()
            try emit(report)
        } catch let failure as UpdateFailure {
            try? opened.close()
            try? emit(failure.report)
            throw failure
        } catch {
            try? opened.close()
            throw error
        }
    }

    private func emit(_ report: UpdateReport) throws {
        if let path = flash.report {
            try JSONEncoder.termflash.encode(report).write(to: URL(fileURLWithPath: path))
        }
        if flash.json { try printJSON(report) } else { print(report.text) }
    }

    private func render(plan: UpdatePlan, commands: [[String]] = []) throws {
        let hasCommands = commands.contains { !$0.isEmpty }
        if flash.json { return try hasCommands ? printJSON(PlanWithCommands(plan: plan, commands: commands)) : printJSON(plan) }
        print("plan \(plan.id): \(plan.summary) [\(plan.backend ?? "?")]")
        for (index, step) in plan.steps.enumerated() {
            print(String(format: "%3d. ", index + 1) + step.description)
            for command in index < commands.count ? commands[index] : [] { print("       " + command) }
        }
        print("then: \(plan.finish.rawValue)")
    }

    var engineOptions: UpdateEngine.Options {
        UpdateEngine.Options(retries: flash.retries, skipUnchanged: flash.skipUnchanged)
    }

    private func defaultBackupDirectory() -> String {
        "termflash-backups/\(timestamp())"
    }

    func defaultJournal(for plan: UpdatePlan) -> String {
        let folder = "termflash-journals"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return "\(folder)/\(plan.id.filter { $0.isLetter || $0.isNumber || $0 == "-" })-\(timestamp()).json"
    }

    private func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

/// `--dry-run --json` of a backend that shows device commands: the plan and, per step, the commands.
private struct PlanWithCommands: Encodable {
    let plan: UpdatePlan
    let commands: [[String]]
}

/// The options of `termflash flash` beyond device selection and recording.
struct FlashOptions: ParsableArguments {
    @Option(help: "Backend: edl, streaming-dload or uboot (default: from the profile and the inputs).")
    var backend: String?

    @Option(help: "Device profile id (e.g. mf286d); default: the profile matching the device.")
    var profile: String?

    @Option(help: ArgumentHelp("Programmer to upload first (Sahara / DLOAD).", valueName: "file"))
    var programmer: String?

    @Option(help: ArgumentHelp("Target partition of a single image (repeatable, one per image).", valueName: "name"))
    var partition: [String] = []

    @Option(name: .customLong("unlock-partition"),
            help: ArgumentHelp("Allow writing a read-only partition (it is backed up and verified first).", valueName: "name"))
    var unlockPartition: [String] = []

    @Option(help: ArgumentHelp("Write to a block device or disk image directly (disk backend).", valueName: "path"))
    var disk: String?

    @Option(help: "Storage type for Firehose: emmc, ufs, nand, spinor.")
    var memory: String?

    @Option(help: "Baud rate of a serial console or port.")
    var baud = 115_200

    @Flag(help: "Let a NAND partition table (--partition ptable) replace a different one on the unit (streaming-dload).")
    var overridePartitionTable = false

    @Option(help: ArgumentHelp("Write only the blocks this delta changes in --partition (the unit must hold the delta's source).", valueName: "patch"))
    var delta: String?

    @Option(name: .customLong("delta-base"),
            help: ArgumentHelp("A host copy of the delta's source; without it the partition is read back.", valueName: "file"))
    var deltaBase: String?

    @Flag(help: "Back up every region before it is written (rollback then restores everything).")
    var backup = false

    @Option(help: ArgumentHelp("Folder for backups (default: termflash-backups/<time>).", valueName: "dir"))
    var backupDir: String?

    @Flag(help: "Skip regions that already hold the image (device-side SHA-256 where the protocol has it).")
    var skipUnchanged = false

    @Option(help: "How often a failed step is tried again.")
    var retries = 1

    @Flag(help: "Print the plan (every write with region, bytes and source) and stop.")
    var dryRun = false

    @Option(help: ArgumentHelp("Journal file (default: termflash-journals/<plan>-<time>.json).", valueName: "file"))
    var journal: String?

    @Option(help: ArgumentHelp("Continue a stopped update from its journal.", valueName: "journal"))
    var resume: String?

    @Option(help: ArgumentHelp("Write a stopped update's backups back.", valueName: "journal"))
    var rollback: String?

    @Option(help: ArgumentHelp("Also write the report as JSON to this file (one per unit on a factory line).", valueName: "file"))
    var report: String?

    @Flag(help: "Print JSON (the plan with --dry-run, else the report).")
    var json = false

    func validate() throws {
        if resume != nil, rollback != nil { throw ValidationError("--resume and --rollback cannot be combined") }
        if retries < 0 { throw ValidationError("--retries must be 0 or more") }
    }
}

/// Draws engine progress on standard error when it is a terminal.
struct ProgressRenderer {
    let enabled: Bool
    private let clock = ProgressClock()

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func handle(_ event: UpdateEvent) {
        guard enabled, isatty(STDERR_FILENO) != 0 else { return }
        switch event {
        case let .state(state):
            FileHandle.standardError.write(Data("\r\u{1B}[K\(state.rawValue)\n".utf8))
        case let .stepStarted(index, step):
            FileHandle.standardError.write(Data("\r\u{1B}[K  \(index + 1). \(step.description)\n".utf8))
        case let .progress(index, done, total) where total > 0:
            let percent = Int(done * 100 / total)
            let pace = clock.summary(index: index, done: done, total: total)
            FileHandle.standardError.write(Data("\r\u{1B}[K     \(percent)% (\(done)/\(total) bytes\(pace))".utf8))
        case let .note(text):
            FileHandle.standardError.write(Data("\r\u{1B}[K  note: \(text)\n".utf8))
        default:
            break
        }
    }
}
