import TermflashCore

/// A Qualcomm NAND unit behind a running Streaming DLOAD programmer, as the update engine
/// drives it: partitions from MIBIB, writes as open-multi-image + windowed stream writes +
/// close, reads by address. NAND programmers compute no digests, so the engine reads back.
public final class StreamingDLoadFlashTarget: FlashTarget {
    public let session: StreamingDLoadSession
    public let name: String
    /// The erase-block size (from the hello reply).
    public let blockSize: Int
    /// The chip's size in bytes (sum of the sectors the hello reply lists).
    public let chipBytes: UInt64
    public var writeGranularity: Int { pageSize }
    public var deviceDigests: [DeviceDigestKind] { [] }
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

    public func partitions() throws -> [FlashRegion] {
        if let table { return table }
        let regions = try session.readPartitionTable(pageSize: pageSize).regions(blockSize: UInt64(blockSize), chipBytes: chipBytes)
        table = regions
        return regions
    }

    public func read(_ region: FlashRegion, into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink?) throws {
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

    public func finish(_ action: FinishAction) throws {
        switch action {
        case .reset: try session.reset()
        case .powerOff: _ = try session.exchange(.powerOff)
        case .stay: break
        }
    }
}
