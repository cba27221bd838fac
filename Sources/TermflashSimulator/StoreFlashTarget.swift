import TermflashCore
import TermflashCrypto

/// A flash target that is nothing but a ``FlashStore``: the ideal device, with named
/// partitions, optional device-side digests and injectable faults. The update engine is
/// tested against it; protocol simulators put a real protocol in front of a store.
public final class StoreFlashTarget: FlashTarget {
    public let name: String
    public let writeGranularity: Int
    public var deviceDigests: [DeviceDigestKind]
    /// The storage.
    public let store: FlashStore
    /// The partitions it reports.
    public var partitionTable: [FlashRegion]
    /// Protocol steps it was asked to run, in order.
    public private(set) var performed: [TargetCommand] = []
    /// How it was finished.
    public private(set) var finishedWith: FinishAction?
    /// Fault injection: the next write of a region with this label stops after this many bytes.
    public var interruptWrite: (partition: String, afterBytes: UInt64)?
    /// Fault injection: writes to this partition silently store inverted bytes (a bad block).
    public var corruptWritesTo: String?
    /// Bytes per write call.
    public var chunkSize = 1 << 20

    /// A target over `store`, reporting `partitions`.
    public init(store: FlashStore, partitions: [FlashRegion], digests: [DeviceDigestKind] = [.sha256], name: String = "simulated storage") {
        self.store = store
        partitionTable = partitions
        deviceDigests = digests
        writeGranularity = store.units[0].sectorSize
        self.name = name
    }

    public func partitions() throws -> [FlashRegion] { partitionTable }

    public func read(_ region: FlashRegion, into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink?) throws {
        var done: UInt64 = 0
        while done < region.length {
            let count = Int(min(UInt64(chunkSize), region.length - done))
            try sink(try store.read(lun: region.lun, offset: region.offset + done, length: count)[...])
            done += UInt64(count)
            progress?(done, region.length)
        }
    }

    public func write(_ region: FlashRegion, from source: ByteSource, progress: ProgressSink?) throws {
        var done: UInt64 = 0
        let limit = interruptWrite.flatMap { $0.partition == region.partition ? $0.afterBytes : nil }
        while done < region.length {
            var chunk = try source.read(offset: done, length: Int(min(UInt64(chunkSize), region.length - done)))
            if let limit, done + UInt64(chunk.count) > limit {
                try store.write(lun: region.lun, offset: region.offset + done, bytes: Array(chunk.prefix(Int(limit - done))))
                interruptWrite = nil
                throw FlashTargetError.interrupted(region: region, bytesWritten: limit, reason: "device vanished (injected)")
            }
            if corruptWritesTo != nil, corruptWritesTo == region.partition { chunk = chunk.map { ~$0 } }
            try store.write(lun: region.lun, offset: region.offset + done, bytes: chunk)
            done += UInt64(chunk.count)
            progress?(done, region.length)
        }
    }

    public func erase(_ region: FlashRegion) throws {
        try store.erase(lun: region.lun, offset: region.offset, length: region.length, value: 0)
    }

    public func digest(_ region: FlashRegion, kind: DeviceDigestKind) throws -> [UInt8] {
        guard deviceDigests.contains(kind) else { throw FlashTargetError.unsupportedDigest(kind) }
        let sha = SHA256()
        var crc = CRC32()
        try read(region, into: { chunk in
            let bytes = Array(chunk)
            sha.update(bytes)
            crc.update(bytes)
        }, progress: nil)
        switch kind {
        case .sha256: return sha.finish()
        case .crc32: return withUnsafeBytes(of: crc.value.bigEndian) { Array($0) }
        }
    }

    public func finish(_ action: FinishAction) throws {
        finishedWith = action
    }

    public func perform(_ command: TargetCommand) throws {
        performed.append(command)
    }
}
