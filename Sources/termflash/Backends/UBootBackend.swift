import Foundation
import Logging
import TermflashCore
import TermflashEngine
import TermflashProfiles
import TermflashProtocols

/// Routers through their U-Boot serial console (`--port`, a profile whose protocol family
/// is `uboot`): images are uploaded with YMODEM/XMODEM into the profile's RAM window in
/// chunks and written with the chip's commands, every chunk checked with `crc32`.
enum UBootBackend: FlashBackend {
    static let name = "uboot"
    static let summary = "routers through their U-Boot serial console (--port TTY --profile ID --partition NAME)"

    static func accepts(_ request: FlashRequest) -> Bool {
        request.disk == nil && request.profile?.protocolFamily == .uboot
    }

    static func plan(for request: FlashRequest) throws -> UpdatePlan {
        let layout = try UBootLayout(profile: request.profile)
        let known = layout.regions.compactMap(\.partition)
        guard !request.images.isEmpty else {
            throw PlanError.check("the uboot backend writes images and packages; \(request.inputs.joined(separator: " ")) holds none")
        }
        var steps: [PlanStep] = []
        for image in request.images {
            guard let label = image.partition else {
                throw PlanError.check("name the partition of \(image.reference.path) with --partition; partitions of \(layout.profileID): \(known.joined(separator: ", "))")
            }
            guard let region = layout.regions.first(where: { $0.partition == label }) else {
                throw PlanError.unknownPartition(name: label, known: known)
            }
            steps.append(.write(image.reference, to: region))
        }
        let names = request.images.compactMap(\.partition).joined(separator: ", ")
        return UpdatePlan(id: "\(layout.profileID)-uboot", summary: "\(layout.profileID) partition \(names) over the U-Boot console",
                          steps: steps, finish: .reset)
    }

    static func open(for request: FlashRequest, transports: TransportFactory, logger: Logger) throws -> FlashSession {
        let layout = try UBootLayout(profile: request.profile)
        guard let port = request.selection.port else {
            throw PlanError.check("the uboot backend needs the serial port of the USB-TTL adapter: add --port /dev/ttyUSB0")
        }
        let baud = request.baud == ConsoleSettings.defaultBaud ? layout.console.baud : request.baud
        let opened = try transports.serial(port: port, baud: baud)
        let console = UBootConsole(transport: opened.transport, settings: layout.consoleSettings)
        console.onCommand = { logger.debug("u-boot> \($0)") }
        do {
            logger.info("waiting for the U-Boot prompt on \(port): power the router on now")
            try console.attach()
        } catch {
            try? opened.finish()
            throw error
        }
        let target = UBootFlashTarget(console: console, chips: layout.chips, partitions: layout.regions,
                                      window: layout.window, upload: layout.upload)
        return FlashSession(target: target, resolver: .files, close: opened.finish)
    }

    /// Every console command each step sends, for `--dry-run`.
    static func consoleCommands(for plan: UpdatePlan, request: FlashRequest) throws -> [[String]] {
        let layout = try UBootLayout(profile: request.profile)
        var prepared: Set<Int> = []
        var commands: [[String]] = []
        for step in plan.steps {
            guard let region = step.region, layout.chips.indices.contains(region.lun) else { commands.append([]); continue }
            let planner = UBootFlashPlanner(chip: layout.chips[region.lun], window: layout.window, upload: layout.upload,
                                            digestCommand: UBootDigestCommand.candidates[0])
            let length = step.image?.length ?? region.length
            var operations: [UBootOperation]
            switch step.kind {
            case .backup: operations = try planner.read(offset: region.offset, length: region.length)
            case .write:
                operations = try planner.write(offset: region.offset, length: length)
                operations += try planner.digest(offset: region.offset, length: length).dropFirst(planner.prelude.count)
            case .erase: operations = try planner.erase(offset: region.offset, length: region.length)
            case .command: operations = []
            }
            if !prepared.insert(region.lun).inserted { operations.removeFirst(planner.prelude.count) }
            commands.append(operations.map(\.description))
        }
        let key = String(reflecting: layout.console.interruptKey ?? "\n")
        if let firstWrite = plan.steps.firstIndex(where: { $0.kind == .write }) {
            commands[firstWrite].insert(contentsOf: probeLines, at: 0)
        }
        commands[0].insert("# attach: send \(key) every 0.1 s until the prompt \(String(reflecting: layout.console.prompt)), then an empty line", at: 0)
        if plan.finish == .reset { commands[commands.count - 1].append("reset") }
        return commands
    }
}

extension UBootBackend {
    /// The digest probe before the first write, as `--dry-run` shows it.
    static var probeLines: [String] {
        ["help sha1sum   # probe once for a strong digest: sha1sum, else md5sum, else hash (sha1, then md5, tried on 16 bytes);",
         "help md5sum    # the first found checks every chunk read back from flash before crc32 (sha1sum shown below);",
         "help hash      # a build with none ('Unknown command') is checked by crc32 alone"]
    }
}

/// What the uboot backend takes from a router profile: console, chips, partitions, RAM.
struct UBootLayout {
    let profileID: String
    let console: ConsoleSettings
    let chips: [UBootChip]
    /// Every partition at any depth, with offsets from the start of its chip; `lun` is the chip.
    let regions: [FlashRegion]
    let window: UBootRAMWindow
    let upload: XModemVariant

    init(profile: DeviceProfile?) throws {
        guard let profile else {
            throw PlanError.check("the uboot backend needs the router's profile: add --profile ID (e.g. mf286d)")
        }
        guard let console = profile.console, let address = console.loadAddress, let size = console.ramWindowBytes else {
            throw PlanError.check("profile \(profile.id) (\(profile.sourcePath)) needs console.prompt, console.loadAddress and console.ramWindowBytes for U-Boot flashing")
        }
        profileID = profile.id
        self.console = console
        window = UBootRAMWindow(loadAddress: UInt64(address), size: UInt64(size))
        upload = XModemVariant(rawValue: console.upload.rawValue) ?? .ymodem
        var chips: [UBootChip] = []
        var regions: [FlashRegion] = []
        var devices: [UBootFlashKind: Int] = [:]
        for (index, layout) in profile.storage.enumerated() {
            guard let kind = UBootLayout.kind(of: layout.type) else {
                throw PlanError.check("profile \(profile.id): storage '\(layout.name)' is \(layout.type.rawValue), which U-Boot cannot write from its console")
            }
            chips.append(UBootChip(kind: kind, device: devices[kind, default: 0], eraseBlockSize: layout.eraseBlockSize,
                                   sizeBytes: layout.sizeBytes.map(UInt64.init)))
            devices[kind, default: 0] += 1
            regions += UBootLayout.flatten(layout.partitions, base: 0, chip: index)
        }
        self.chips = chips
        self.regions = regions
    }

    /// The console settings of the driver.
    var consoleSettings: UBootConsole.Settings {
        let key = console.interruptKey.map { Array($0.utf8) } ?? Array("\n".utf8)
        let timeout = ProcessInfo.processInfo.environment["TERMFLASH_UBOOT_ATTACH_TIMEOUT"].flatMap(Double.init) ?? 60
        return UBootConsole.Settings(prompt: console.prompt, interrupt: key, attachTimeoutSeconds: timeout)
    }

    static func kind(of type: StorageLayout.FlashType) -> UBootFlashKind? {
        switch type {
        case .nand: return .nand
        case .spiNOR: return .spiNOR
        case .emmc: return .emmc
        case .virtio: return .virtio
        case .ufs: return nil
        }
    }

    /// Nested partitions with absolute offsets.
    static func flatten(_ partitions: [FlashPartition], base: Int, chip: Int) -> [FlashRegion] {
        partitions.flatMap { partition in
            [FlashRegion(partition: partition.name, lun: chip, offset: UInt64(base + partition.offset), length: UInt64(partition.size))]
                + flatten(partition.partitions, base: base + partition.offset, chip: chip)
        }
    }
}
