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

    private static func loadSet(_ request: FlashRequest) throws -> RawProgramSet {
        guard request.inputs.count == 1 else {
            throw PlanError.check("give one rawprogram folder or zip (got \(request.inputs.count) inputs)")
        }
        return try RawProgramSet.load(from: URL(fileURLWithPath: request.inputs[0]))
    }

    static func isRawProgramSet(_ path: String) -> Bool {
        if path.lowercased().hasSuffix(".zip") { return true }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.contains { $0.lowercased().hasPrefix("rawprogram") && $0.lowercased().hasSuffix(".xml") }
    }
}

/// Turns a rawprogram set into an update plan: a write per image at a fixed sector, a
/// `program` step for images whose start only the programmer knows (`NUM_DISK_SECTORS-33.`),
/// erases, `DISK` patches, the bootable drive, then a reset.
struct RawProgramPlanner {
    let rawProgram: RawProgramSet
    /// The folder or zip as the user named it (image references start with it).
    let input: String

    func plan() throws -> UpdatePlan {
        var steps: [PlanStep] = []
        for erase in rawProgram.erases {
            let start = try fixedStart(erase.start, what: "erase \(erase.label)")
            steps.append(.erase(FlashRegion(partition: erase.label.isEmpty ? nil : erase.label, lun: erase.lun,
                                            offset: start * UInt64(erase.sectorSize), length: erase.numSectors * UInt64(erase.sectorSize))))
        }
        for entry in rawProgram.programs where entry.hasImage {
            steps.append(try step(for: entry))
        }
        for patch in rawProgram.diskPatches {
            steps.append(.command(TargetCommand(name: "patch", attributes: [
                "SECTOR_SIZE_IN_BYTES": String(patch.sectorSize), "byte_offset": String(patch.byteOffset), "filename": "DISK",
                "physical_partition_number": String(patch.lun), "size_in_bytes": String(patch.sizeInBytes),
                "start_sector": patch.start.text, "value": patch.value.text,
            ])))
        }
        steps.append(.command(TargetCommand(name: "setbootablestoragedrive", attributes: ["value": String(bootableLUN)])))
        let images = rawProgram.programs.filter(\.hasImage).count
        return UpdatePlan(id: "rawprogram-" + ((input as NSString).lastPathComponent as String).filter { $0.isLetter || $0.isNumber || $0 == "-" },
                          summary: "rawprogram set: \(images) image(s) on LUN(s) \(rawProgram.luns.map(String.init).joined(separator: ",")), \(rawProgram.diskPatches.count) patch(es)",
                          steps: steps, finish: .reset)
    }

    /// The LUN holding the first-stage loader (xbl / sbl1), else 0.
    var bootableLUN: Int {
        rawProgram.programs.first { ["xbl", "xbl_a", "sbl1", "sbl1_a"].contains($0.label.lowercased()) }?.lun ?? 0
    }

    private func step(for entry: ProgramEntry) throws -> PlanStep {
        let source = try rawProgram.imageSource(for: entry)
        let sectors = entry.sectorsToWrite(imageBytes: source.count)
        let reserved = entry.numSectors == 0 ? sectors : entry.numSectors
        guard let start = entry.start.literal else {
            var attributes = [
                "filename": entry.filename, "file_sector_offset": String(entry.fileSectorOffset),
                "physical_partition_number": String(entry.lun), "start_sector": entry.start.text,
                "num_partition_sectors": String(reserved), "SECTOR_SIZE_IN_BYTES": String(entry.sectorSize),
            ]
            if !entry.label.isEmpty { attributes["label"] = entry.label }
            return .command(TargetCommand(name: "program", attributes: attributes))
        }
        let image = ImageReference(path: reference(entry.filename), format: source is ExpandedSparseSource ? .sparse : .raw,
                                   offset: entry.fileSectorOffset * UInt64(entry.sectorSize), length: source.count)
        return .write(image, to: FlashRegion(partition: entry.label.isEmpty ? nil : entry.label, lun: entry.lun,
                                             offset: start * UInt64(entry.sectorSize), length: reserved * UInt64(entry.sectorSize)))
    }

    private func fixedStart(_ start: SectorExpression, what: String) throws -> UInt64 {
        guard let value = start.literal else {
            throw PlanError.check("\(what) starts at \(start.text), which only the device can evaluate; erase it by label after flashing")
        }
        return value
    }

    /// `input/filename`: the file itself for a folder, a member for a zip.
    func reference(_ filename: String) -> String {
        (input as NSString).appendingPathComponent(filename)
    }

    /// The bytes a plan's image reference names.
    func source(for image: ImageReference) throws -> ByteSource {
        let prefix = (input as NSString).appendingPathComponent("")
        let name = image.path.hasPrefix(prefix) ? String(image.path.dropFirst(prefix.count)) : image.path
        return try source(named: name, byteOffset: image.offset)
    }

    func source(named filename: String, sectorOffset: String?) throws -> ByteSource {
        guard let entry = rawProgram.programs.first(where: { $0.filename == filename && String($0.fileSectorOffset) == (sectorOffset ?? "0") }) else {
            throw PlanError.imageUnreadable(image: filename, reason: "is not an image of \(input)")
        }
        return try rawProgram.imageSource(for: entry)
    }

    private func source(named filename: String, byteOffset: UInt64) throws -> ByteSource {
        guard let entry = rawProgram.programs.first(where: { $0.filename == filename && $0.fileSectorOffset * UInt64($0.sectorSize) == byteOffset }) else {
            throw PlanError.imageUnreadable(image: filename, reason: "is not an image of \(input)")
        }
        return try rawProgram.imageSource(for: entry)
    }
}
