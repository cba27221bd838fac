import Foundation
import TermflashCore
import TermflashImages

/// Turns a rawprogram set into an update plan: a write per image at a fixed sector (a sparse
/// image as one write per defined run, its DONT_CARE runs left untouched on the device as
/// fastboot and qdl leave them), a `program` step for images whose start only the programmer
/// knows (`NUM_DISK_SECTORS-33.`), erases, `DISK` patches, the bootable drive, then a reset.
public struct RawProgramPlanner {
    public let rawProgram: RawProgramSet
    /// The folder or zip as the user named it (image references start with it).
    public let input: String
    /// One expanded source per sparse image, shared by its parts so that their in-order reads
    /// check the image's CRC32 chunks across the DONT_CARE runs between them.
    private let sparseSources = SparseSourceCache()

    /// A planner for `rawProgram`, loaded from `input`.
    public init(rawProgram: RawProgramSet, input: String) {
        self.rawProgram = rawProgram
        self.input = input
    }

    /// The plan: erases, writes, `program` steps (images the programmer places or that patches
    /// change afterwards, such as GPTs), patches, bootable drive, reset.
    public func plan() throws -> UpdatePlan {
        var steps: [PlanStep] = []
        for erase in rawProgram.erases {
            let start = try fixedStart(erase.start, what: "erase \(erase.label)")
            steps.append(.erase(FlashRegion(partition: erase.label.isEmpty ? nil : erase.label, lun: erase.lun,
                                            offset: start * UInt64(erase.sectorSize), length: erase.numSectors * UInt64(erase.sectorSize))))
        }
        for entry in rawProgram.programs where entry.hasImage {
            steps += try self.steps(for: entry)
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
    public var bootableLUN: Int {
        rawProgram.programs.first { ["xbl", "xbl_a", "sbl1", "sbl1_a"].contains($0.label.lowercased()) }?.lun ?? 0
    }

    private func steps(for entry: ProgramEntry) throws -> [PlanStep] {
        let source = try rawProgram.imageSource(for: entry)
        let sectors = entry.sectorsToWrite(imageBytes: source.count)
        let reserved = entry.numSectors == 0 ? sectors : entry.numSectors
        guard let start = entry.start.literal, !isChangedByPatches(entry) else {
            var attributes = [
                "filename": entry.filename, "file_sector_offset": String(entry.fileSectorOffset),
                "physical_partition_number": String(entry.lun), "start_sector": entry.start.text,
                "num_partition_sectors": String(reserved), "SECTOR_SIZE_IN_BYTES": String(entry.sectorSize),
            ]
            if !entry.label.isEmpty { attributes["label"] = entry.label }
            return [.command(TargetCommand(name: "program", attributes: attributes))]
        }
        let partition = entry.label.isEmpty ? nil : entry.label
        let base = start * UInt64(entry.sectorSize)
        let image = ImageReference(path: reference(entry.filename), format: source is ExpandedSparseSource ? .sparse : .raw,
                                   offset: entry.fileSectorOffset * UInt64(entry.sectorSize), length: source.count)
        guard let sparse = source as? ExpandedSparseSource else {
            return [.write(image, to: FlashRegion(partition: partition, lun: entry.lun, offset: base, length: reserved * UInt64(entry.sectorSize)))]
        }
        return sparse.image.dataRuns(alignment: UInt64(entry.sectorSize)).map { run in
            var part = image
            part.expandedOffset = run.lowerBound
            part.length = run.upperBound - run.lowerBound
            return .write(part, to: FlashRegion(partition: partition, lun: entry.lun, offset: base + run.lowerBound, length: part.length))
        }
    }

    /// Whether a DISK patch lands in the sectors `entry` writes (symbolic starts are compared
    /// on a notional large disk, where `NUM_DISK_SECTORS-5.` and `NUM_DISK_SECTORS-1.` overlap
    /// as they do on every real one).
    public func isChangedByPatches(_ entry: ProgramEntry) -> Bool {
        let notional: UInt64 = 1 << 40
        guard let start = try? entry.start.resolve(diskSectors: notional) else { return false }
        let sectors = entry.numSectors == 0 ? 1 : entry.numSectors
        return rawProgram.diskPatches.contains { patch in
            guard patch.lun == entry.lun, let sector = try? patch.start.resolve(diskSectors: notional) else { return false }
            return sector >= start && sector < start + sectors
        }
    }

    private func fixedStart(_ start: SectorExpression, what: String) throws -> UInt64 {
        guard let value = start.literal else {
            throw PlanError.check("\(what) starts at \(start.text), which only the device can evaluate; erase it by label after flashing")
        }
        return value
    }

    /// `input/filename`: the file itself for a folder, a member for a zip.
    public func reference(_ filename: String) -> String {
        ((input as NSString).standardizingPath as NSString).appendingPathComponent(filename)
    }

    /// The bytes a plan's image reference names (for a part of a sparse image, that part).
    public func source(for image: ImageReference) throws -> ByteSource {
        let folder = (input as NSString).standardizingPath
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        let name = image.path.hasPrefix(prefix) ? String(image.path.dropFirst(prefix.count)) : image.path
        guard let partOffset = image.expandedOffset else { return try source(named: name, byteOffset: image.offset) }
        let whole = try sparseSources.source(key: "\(name)@\(image.offset)") { try source(named: name, byteOffset: image.offset) }
        return ByteSourceSlice(whole, offset: partOffset, length: image.length)
    }

    /// The image a `program` step names (`filename`, `file_sector_offset`).
    public func source(named filename: String, sectorOffset: String?) throws -> ByteSource {
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

/// Expanded sparse images opened once per planner.
private final class SparseSourceCache: @unchecked Sendable {
    private var sources: [String: ByteSource] = [:]
    private let lock = NSLock()

    func source(key: String, open: () throws -> ByteSource) throws -> ByteSource {
        lock.lock()
        defer { lock.unlock() }
        if let known = sources[key] { return known }
        let opened = try open()
        sources[key] = opened
        return opened
    }
}
