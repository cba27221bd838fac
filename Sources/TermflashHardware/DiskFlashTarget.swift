import Foundation
import TermflashCore
import TermflashCrypto

/// A block device or disk image written directly (an eMMC or SD card in a USB reader, a
/// router's flash dump): the simplest flash target, read back for verification.
public final class DiskFlashTarget: FlashTarget {
    public let name: String
    public let writeGranularity = 512
    public let deviceDigests: [DeviceDigestKind] = []
    /// Size of the disk in bytes.
    public let size: UInt64
    private let handle: FileHandle
    private let partitionTable: [FlashRegion]

    /// Opens `path` for reading and writing; `partitions` come from the device profile.
    public init(path: String, partitions: [FlashRegion]) throws {
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw exists ? TransportError.permissionDenied(node: path) : TransportError.deviceVanished(name: path, during: "open")
        }
        self.handle = handle
        size = try handle.seekToEnd()
        name = "disk \(path)"
        partitionTable = partitions
    }

    deinit { try? handle.close() }

    public func partitions() throws -> [FlashRegion] {
        partitionTable.isEmpty ? [FlashRegion(partition: "disk", offset: 0, length: size)] : partitionTable
    }

    public func read(_ region: FlashRegion, into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink?) throws {
        try checkBounds(region)
        var done: UInt64 = 0
        try handle.seek(toOffset: region.offset)
        while done < region.length {
            let wanted = Int(min(region.length - done, 1 << 20))
            let chunk = [UInt8](try handle.read(upToCount: wanted) ?? Data())
            guard !chunk.isEmpty else { throw FlashTargetError.outOfRange(region: region, storageBytes: size) }
            try sink(chunk[...])
            done += UInt64(chunk.count)
            progress?(done, region.length)
        }
    }

    public func write(_ region: FlashRegion, from source: ByteSource, progress: ProgressSink?) throws {
        try checkBounds(region)
        var done: UInt64 = 0
        do {
            try handle.seek(toOffset: region.offset)
            while done < region.length {
                let chunk = try source.read(offset: done, length: Int(min(region.length - done, 1 << 20)))
                guard !chunk.isEmpty else { break }
                try handle.write(contentsOf: chunk)
                done += UInt64(chunk.count)
                progress?(done, region.length)
            }
            try handle.synchronize()
        } catch {
            throw FlashTargetError.interrupted(region: region, bytesWritten: done, reason: "\(error)")
        }
    }

    public func erase(_ region: FlashRegion) throws {
        try write(region, from: ZeroSource(count: region.length), progress: nil)
    }

    public func digest(_ region: FlashRegion, kind: DeviceDigestKind) throws -> [UInt8] {
        throw FlashTargetError.unsupportedDigest(kind)
    }

    public func finish(_ action: FinishAction) throws {
        try handle.synchronize()
    }

    private func checkBounds(_ region: FlashRegion) throws {
        guard region.lun == 0, region.end <= size else { throw FlashTargetError.outOfRange(region: region, storageBytes: size) }
    }
}

/// Zeros, for erasing.
private final class ZeroSource: ByteSource {
    let count: UInt64
    init(count: UInt64) { self.count = count }
    func read(offset: UInt64, length: Int) throws -> [UInt8] {
        [UInt8](repeating: 0, count: Int(min(UInt64(length), count - min(offset, count))))
    }
}
