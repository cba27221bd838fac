internal import CLibZ
import TermflashCore

/// The expanded bytes of a sparse image, produced on demand from its extents (DONT_CARE reads as zeros).
/// A pass that reads the image in order from its first byte also checks its CRC32 chunks and header
/// checksum as it goes, and throws ``SparseImageError`` at the first mismatch.
public final class ExpandedSparseSource: ByteSource {
    /// The sparse image, with its extents (a writer may skip DONT_CARE runs).
    public let image: SparseImage
    /// Checksums still to check on an in-order pass, with the expanded length each covers.
    private let checkpoints: [SparseChecksum]
    private var nextCheckpoint = 0
    private var checkedUpTo: UInt64 = 0
    private var runningCRC: UInt = 0

    init(image: SparseImage) {
        self.image = image
        var checkpoints = image.checksums
        if image.imageChecksum != 0 {
            checkpoints.append(SparseChecksum(chunk: -1, fileOffset: 24, outputOffset: image.expandedSize, value: image.imageChecksum))
        }
        self.checkpoints = checkpoints
    }

    public var count: UInt64 { image.expandedSize }

    public func read(offset: UInt64, length: Int) throws -> [UInt8] {
        guard offset < count, length > 0 else { return [] }
        let wanted = Int(min(UInt64(length), count - offset))
        let bytes = try [UInt8](unsafeUninitializedCapacity: wanted) { buffer, initialized in
            var position = offset
            var index = extentIndex(containing: position)
            while initialized < wanted, index < image.extents.count {
                let extent = image.extents[index]
                let skip = position - extent.outputOffset
                let take = Int(min(extent.length - skip, UInt64(wanted - initialized)))
                let target = UnsafeMutableBufferPointer(rebasing: buffer[initialized..<initialized + take])
                try produce(extent, skip: skip, into: target)
                initialized += take
                position += UInt64(take)
                index += 1
            }
        }
        if offset > checkedUpTo, nextCheckpoint < checkpoints.count { try skipDontCare(upTo: offset) }
        if offset == checkedUpTo, nextCheckpoint < checkpoints.count { try check(bytes) }
        return bytes
    }

    /// A writer that leaves DONT_CARE runs out reads on after them: the runs count as zeros in
    /// the checksums, so they are fed to the running CRC-32 here and the in-order check goes on.
    /// A gap that holds defined bytes is left alone (that read is not in order).
    private func skipDontCare(upTo offset: UInt64) throws {
        var index = extentIndex(containing: checkedUpTo)
        var end = checkedUpTo
        while end < offset, index < image.extents.count, image.extents[index].kind == .dontCare {
            end = image.extents[index].outputEnd
            index += 1
        }
        guard end >= offset else { return }
        var remaining = offset - checkedUpTo
        while remaining > 0, nextCheckpoint < checkpoints.count {
            let step = Int(min(remaining, UInt64(Self.zeros.count)))
            try Self.zeros.withUnsafeBufferPointer { try check(UnsafeBufferPointer(rebasing: $0[0..<step])) }
            remaining -= UInt64(step)
        }
    }

    private static let zeros = [UInt8](repeating: 0, count: 1 << 20)

    /// Feeds the next in-order bytes to the running CRC-32, comparing at every checkpoint they reach.
    private func check(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try check($0) }
    }

    private func check(_ buffer: UnsafeBufferPointer<UInt8>) throws {
        var consumed = 0
        while true {
            while nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].outputOffset == checkedUpTo {
                try compare(checkpoints[nextCheckpoint])
                nextCheckpoint += 1
            }
            guard consumed < buffer.count, nextCheckpoint < checkpoints.count else { break }
            let step = Int(min(UInt64(min(buffer.count - consumed, 1 << 30)), checkpoints[nextCheckpoint].outputOffset - checkedUpTo))
            runningCRC = CLibZ.crc32(runningCRC, buffer.baseAddress! + consumed, UInt32(step))
            consumed += step
            checkedUpTo += UInt64(step)
        }
    }

    private func compare(_ checkpoint: SparseChecksum) throws {
        let computed = UInt32(truncatingIfNeeded: runningCRC)
        guard computed != checkpoint.value else { return }
        if checkpoint.chunk < 0 {
            throw SparseImageError(image: image.name, chunk: nil, offset: 24, problem: String(
                format: "the header's image checksum is 0x%08x but the expanded image's CRC-32 is 0x%08x", checkpoint.value, computed))
        }
        throw SparseImageError(image: image.name, chunk: checkpoint.chunk, offset: checkpoint.fileOffset, problem: String(
            format: "CRC32 chunk holds 0x%08x but the %llu bytes before it give 0x%08x", checkpoint.value, checkpoint.outputOffset, computed))
    }

    /// Fills `target` with the extent's bytes from `skip` on.
    private func produce(_ extent: SparseExtent, skip: UInt64, into target: UnsafeMutableBufferPointer<UInt8>) throws {
        switch extent.kind {
        case let .raw(fileOffset):
            let bytes = try image.source.read(offset: fileOffset + skip, length: target.count)
            guard bytes.count == target.count else {
                throw SparseImageError(image: image.name, chunk: extent.chunk, offset: fileOffset - UInt64(image.chunkHeaderSize),
                                       problem: "the file became shorter while being read (RAW data ends after \(bytes.count) bytes)")
            }
            _ = target.update(fromContentsOf: bytes)
        case let .fill(value):
            Self.fillPattern(value, phase: Int(skip % 4), into: target)
        case .dontCare:
            target.update(repeating: 0)
        }
    }

    /// Writes the little-endian pattern `value` repeatedly, starting `phase` bytes into it.
    private static func fillPattern(_ value: UInt32, phase: Int, into target: UnsafeMutableBufferPointer<UInt8>) {
        let pattern = (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        if pattern.allSatisfy({ $0 == pattern[0] }) {
            target.update(repeating: pattern[0])
            return
        }
        let head = min(target.count, (4 - phase) & 3)
        for index in 0..<head { target[index] = pattern[(phase + index) & 3] }
        let word = value.littleEndian
        let words = (target.count - head) / 4
        let raw = UnsafeMutableRawPointer(target.baseAddress! + head)
        for index in 0..<words { raw.storeBytes(of: word, toByteOffset: index * 4, as: UInt32.self) }
        for index in (head + words * 4)..<target.count { target[index] = pattern[(index - head) & 3] }
    }

    /// Index of the extent holding `position` (binary search; extents are sorted and contiguous).
    private func extentIndex(containing position: UInt64) -> Int {
        var low = 0, high = image.extents.count
        while low < high {
            let middle = (low + high) / 2
            if image.extents[middle].outputEnd <= position { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
