import Foundation
import Logging
import TermflashCore
import TermflashEngine
import TermflashImages
import TermflashProtocols

/// Qualcomm emergency download through Sahara + Firehose: a rawprogram folder or zip
/// (programs, erases, patches, bootable drive), or images and packages written to GPT
/// partitions by label (`--partition boot boot.img`, as `edl w` does), placed once the
/// unit's GPTs are read.
enum EDLBackend: FlashBackend {
    static let name = "edl"
    static let summary = "Qualcomm EDL (Sahara + Firehose): a rawprogram folder or zip, or images/packages by GPT label, with --programmer"

    static func accepts(_ request: FlashRequest) -> Bool {
        guard request.disk == nil, (request.profile?.protocolFamily ?? .qualcommEDL) == .qualcommEDL else { return false }
        return request.programmer != nil || (request.inputs.count == 1 && isRawProgramSet(request.inputs[0]))
    }

    static func plan(for request: FlashRequest) throws -> UpdatePlan {
        guard writesImagesByLabel(request) else {
            let set = try loadSet(request)
            return try RawProgramPlanner(rawProgram: set, input: request.inputs[0]).plan()
        }
        let steps = try request.images.map { image -> PlanStep in
            guard let label = image.partition else {
                throw PlanError.check("\(image.reference.path): name the GPT partition it goes to with --partition LABEL (see 'termflash partitions')")
            }
            return .write(image.reference, to: .label(label, length: image.reference.length))
        }
        let labels = request.images.compactMap(\.partition).joined(separator: ", ")
        return UpdatePlan(id: "edl-" + labels.filter { $0.isLetter || $0.isNumber }, summary: "\(steps.count) image(s) by GPT label: \(labels)",
                          steps: steps, finish: .reset)
    }

    static func open(for request: FlashRequest, transports: TransportFactory, logger: Logger) throws -> FlashSession {
        let byLabel = writesImagesByLabel(request)
        let set = byLabel ? nil : try loadSet(request)
        let options = EDLConnection.Settings(programmer: request.programmer, memory: request.memory)
        let connection = try EDLConnection(device: request.selection, session: transports.session, edl: options, logger: logger)
        let target = FirehoseFlashTarget(host: connection.firehose, sectorSize: connection.sectorSize,
                                         name: "firehose on \(connection.opened.transport.name)")
        if request.skipUnchanged { target.skipUnchangedChunkBytes = 1 << 20 }
        guard let set else {
            target.partitionTable = gptRegions(connection)
            return FlashSession(target: target, resolver: .files, close: connection.close) { plan in
                try place(plan, in: target.partitionTable)
            }
        }
        let planner = RawProgramPlanner(rawProgram: set, input: request.inputs[0])
        target.openImage = { command in try planner.source(named: command.attributes["filename"] ?? "", sectorOffset: command.attributes["file_sector_offset"]) }
        guard set.luns.allSatisfy({ set.sectorSize(forLUN: $0) == connection.sectorSize }) else {
            try? connection.close()
            throw PlanError.check("the set uses \(set.luns.map { "\(set.sectorSize(forLUN: $0) ?? 0)" }.joined(separator: "/"))-byte sectors but the device has \(connection.sectorSize); choose the set made for this storage (--memory)")
        }
        return FlashSession(target: target, resolver: SourceResolver { try planner.source(for: $0) }, close: connection.close)
    }

    /// Images and packages (not a rawprogram set): written by GPT label. A resumed journal
    /// names no inputs and is already placed.
    private static func writesImagesByLabel(_ request: FlashRequest) -> Bool {
        !(request.inputs.count == 1 && isRawProgramSet(request.inputs[0]))
    }

    /// Every GPT partition of every LUN, where it lies.
    private static func gptRegions(_ connection: EDLConnection) -> [FlashRegion] {
        let size = UInt64(connection.sectorSize)
        return connection.readGPTs().sorted { $0.key < $1.key }.flatMap { lun, gpt in
            gpt.partitions.map { FlashRegion(partition: $0.name, lun: lun, offset: $0.firstLBA * size, length: $0.sectorCount * size) }
        }
    }

    /// The plan with every label-only region replaced by its partition on the unit.
    static func place(_ plan: UpdatePlan, in partitions: [FlashRegion]) throws -> UpdatePlan {
        var placed = plan
        for index in placed.steps.indices {
            guard let region = placed.steps[index].region, region.isLabelOnly, let label = region.partition else { continue }
            let matches = partitions.filter { $0.partition == label }
            guard let partition = matches.first else {
                throw PlanError.unknownPartition(name: label, known: partitions.compactMap(\.partition))
            }
            guard matches.count == 1 else {
                throw PlanError.check("the label \(label) names a partition on LUNs \(matches.map { String($0.lun) }.joined(separator: " and ")); write it by LUN with a rawprogram set")
            }
            placed.steps[index].region = partition
        }
        return placed
    }

    /// For `--dry-run`: the Firehose element each write and erase sends, with the sectors it
    /// covers (protocol steps already print as the element they send).
    static func consoleCommands(for plan: UpdatePlan, request: FlashRequest) throws -> [[String]] {
        guard !writesImagesByLabel(request) else { return [] }  // sectors come from the unit's GPT
        let set = try loadSet(request)
        return plan.steps.map { step in
            let sectorSize = step.region.flatMap { set.sectorSize(forLUN: $0.lun) } ?? set.luns.first.flatMap(set.sectorSize(forLUN:)) ?? 512
            switch step.kind {
            case .write:
                guard let region = step.region, let image = step.image else { return [] }
                return [FirehoseFlashTarget.programElement(region, bytes: image.length, sectorSize: sectorSize).description]
            case .erase:
                return step.region.map { [FirehoseFlashTarget.eraseElement($0, sectorSize: sectorSize).description] } ?? []
            case .command, .backup:
                return []
            }
        }
    }

    private static func loadSet(_ request: FlashRequest) throws -> RawProgramSet {
        guard request.inputs.count == 1 else {
            throw PlanError.check("give one rawprogram folder or zip (got \(request.inputs.count) inputs); with --resume, name the set again")
        }
        return try RawProgramSet.load(from: URL(fileURLWithPath: request.inputs[0]))
    }

    static func isRawProgramSet(_ path: String) -> Bool {
        if path.lowercased().hasSuffix(".zip") { return true }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.contains { $0.lowercased().hasPrefix("rawprogram") && $0.lowercased().hasSuffix(".xml") }
    }
}

