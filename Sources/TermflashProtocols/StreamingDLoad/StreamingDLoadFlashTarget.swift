import Foundation
import TermflashCore

/// A Qualcomm NAND unit behind a running Streaming DLOAD programmer, as the update engine
/// drives it: partitions from MIBIB, writes as open-multi-image + windowed stream writes +
/// close, reads by address. NAND programmers compute no digests, so the engine reads back.
///
/// Streaming DLOAD addresses a partition from its own start (open multi-image), and plans
/// are made before the unit is reached, so the regions of this target count from the start
/// of their partition: ``partitions()`` lists each at offset 0 with its length, and the
/// target places them on the chip through MIBIB (``chipRegions()``).
public final class StreamingDLoadFlashTarget: FlashTarget {
    public let session: StreamingDLoadSession
    public let name: String
    /// The erase-block size (from the hello reply).
    public let blockSize: Int
    /// The chip's size in bytes (sum of the sectors the hello reply lists).
    public let chipBytes: UInt64
    public var writeGranularity: Int { pageSize }
    public var deviceDigests: [DeviceDigestKind] { [] }
    /// Open multi-image starts a partition over: the programmer erases each block it reaches.
    public var rewritesWholePartitions: Bool { true }
    /// The NAND page size; MIBIB is searched page by page.
    public let pageSize: Int
    private var table: [FlashRegion]?

    /// A target over a session whose hello already ran.
    public init(session: StreamingDLoadSession, name: String, pageSize: Int = 2048) {
        self.session = session
        self.name = name
        self.pageSize = pageSize
        let sectors = session.device?.sectorSizes ?? []
        blockSize = Int(sectors.first ?? 128 * 1024)
        chipBytes = sectors.reduce(0) { $0 + UInt64($1) }
    }

    /// Every partition at offset 0 with its length (see the type's notes).
    public func partitions() throws -> [FlashRegion] {
        try chipRegions().map { FlashRegion(partition: $0.partition, offset: 0, length: $0.length) }
    }

    /// The partitions where they lie on the chip, from MIBIB (read once).
    public func chipRegions() throws -> [FlashRegion] {
        if let table { return table }
        let regions = try session.readPartitionTable(pageSize: pageSize).regions(blockSize: UInt64(blockSize), chipBytes: chipBytes)
        table = regions
        return regions
    }

    /// The region on the chip: a named region counts from its partition's start.
    public func placed(_ region: FlashRegion) throws -> FlashRegion {
        guard let name = region.partition else { return region }
        let regions = try chipRegions()
        guard let partition = regions.first(where: { $0.partition == name || "0:" + ($0.partition ?? "") == name }) else {
            throw FlashTargetError.refused(command: "access \(name)", reason: "the unit's MIBIB has no partition \(name); it has "
                + regions.compactMap(\.partition).joined(separator: ", "), log: session.deviceLog)
        }
        guard region.offset + region.length <= partition.length else {
            throw FlashTargetError.outOfRange(region: region, storageBytes: partition.length)
        }
        return FlashRegion(partition: partition.partition, offset: partition.offset + region.offset, length: region.length)
    }

    public func read(_ region: FlashRegion, into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink?) throws {
        let region = try placed(region)
        var done: UInt64 = 0
        let chunk = UInt64(min(max(session.blockSize, pageSize), 0xF000))
        while done < region.length {
            let count = Int(min(chunk, region.length - done))
            try sink(ArraySlice(try session.read(address: UInt32(region.offset + done), length: count)))
            done += UInt64(count)
            progress?(done, region.length)
        }
    }

    public func write(_ region: FlashRegion, from source: ByteSource, progress: ProgressSink?) throws {
        guard let partition = region.partition else {
            throw FlashTargetError.refused(command: "write \(region)", reason: "Streaming DLOAD writes whole partitions; name one", log: [])
        }
        _ = try placed(region)
        guard region.offset == 0 else {
            throw FlashTargetError.refused(command: "write \(region)", reason: "Streaming DLOAD writes a partition from its start", log: [])
        }
        var confirmed: UInt64 = 0
        do {
            try session.openPartition(partition)
            try session.streamWrite(from: source, length: min(region.length, source.count), progress: progress) { confirmed = $0 }
            try session.close()
        } catch {
            throw FlashTargetError.interrupted(region: region, bytesWritten: confirmed, reason: "\(error)")
        }
    }

    public func erase(_ region: FlashRegion) throws {
        throw FlashTargetError.refused(command: "erase \(region)", reason: "the NAND programmer erases blocks as it writes them", log: [])
    }

    public func digest(_ region: FlashRegion, kind: DeviceDigestKind) throws -> [UInt8] {
        throw FlashTargetError.unsupportedDigest(kind)
    }

    /// `partition-table` (attributes `path`, `override` 0/1): sends a MIBIB write-form table.
    public func perform(_ command: TargetCommand) throws {
        guard command.name == "partition-table", let path = command.attributes["path"] else {
            throw FlashTargetError.refused(command: command.name, reason: "\(name) knows only partition-table", log: [])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FlashTargetError.refused(command: command.description, reason: "\(path) cannot be read", log: [])
        }
        let table = [UInt8](data)
        _ = try MIBIBPartitionTable(table)
        try session.sendPartitionTable(table, override: command.attributes["override"] == "1")
        self.table = nil
    }

    public func finish(_ action: FinishAction) throws {
        switch action {
        case .reset: try session.reset()
        case .powerOff: _ = try session.exchange(.powerOff)
        case .stay: break
        }
    }
}
