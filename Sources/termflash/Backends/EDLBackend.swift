import Foundation
import Logging
import TermflashCore
import TermflashEngine
import TermflashImages
import TermflashProtocols

/// Qualcomm emergency download: a rawprogram folder or zip (programs, erases, patches,
/// bootable drive) written through Sahara + Firehose.
enum EDLBackend: FlashBackend {
    static let name = "edl"
    static let summary = "Qualcomm EDL (Sahara + Firehose) from a rawprogram folder or zip, with --programmer"

    static func accepts(_ request: FlashRequest) -> Bool {
        guard request.disk == nil, request.inputs.count == 1 else { return false }
        return request.programmer != nil || isRawProgramSet(request.inputs[0])
    }

    static func plan(for request: FlashRequest) throws -> UpdatePlan {
        let set = try loadSet(request)
        return try RawProgramPlanner(rawProgram: set, input: request.inputs[0]).plan()
    }

    static func open(for request: FlashRequest, transports: TransportFactory, logger: Logger) throws -> FlashSession {
        let set = try loadSet(request)
        let options = EDLConnection.Settings(programmer: request.programmer, memory: request.memory)
        let connection = try EDLConnection(device: request.selection, session: transports.session, edl: options, logger: logger)
        let target = FirehoseFlashTarget(host: connection.firehose, sectorSize: connection.sectorSize,
                                         name: "firehose on \(connection.opened.transport.name)")
        let planner = RawProgramPlanner(rawProgram: set, input: request.inputs[0])
        target.openImage = { command in try planner.source(named: command.attributes["filename"] ?? "", sectorOffset: command.attributes["file_sector_offset"]) }
        if request.skipUnchanged { target.skipUnchangedChunkBytes = 1 << 20 }
        guard set.luns.allSatisfy({ set.sectorSize(forLUN: $0) == connection.sectorSize }) else {
            try? connection.close()
            throw PlanError.check("the set uses \(set.luns.map { "\(set.sectorSize(forLUN: $0) ?? 0)" }.joined(separator: "/"))-byte sectors but the device has \(connection.sectorSize); choose the set made for this storage (--memory)")
        }
        return FlashSession(target: target, resolver: SourceResolver { try planner.source(for: $0) }, close: connection.close)
    }

    /// For `--dry-run`: the Firehose element each write and erase sends, with the sectors it
    /// covers (protocol steps already print as the element they send).
    static func consoleCommands(for plan: UpdatePlan, request: FlashRequest) throws -> [[String]] {
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

