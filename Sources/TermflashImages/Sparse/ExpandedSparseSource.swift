import TermflashCore

/// The expanded bytes of a sparse image, produced on demand from its extents (DONT_CARE reads as zeros).
public final class ExpandedSparseSource: ByteSource {
    /// The sparse image, with its extents (a writer may skip DONT_CARE runs).
    public let image: SparseImage

    init(image: SparseImage) { self.image = image }

    public var count: UInt64 { image.expandedSize }

    public func read(offset: UInt64, length: Int) throws -> [UInt8] {
        guard offset < count, length > 0 else { return [] }
        let wanted = Int(min(UInt64(length), count - offset))
        var output: [UInt8] = []
        output.reserveCapacity(wanted)
        var position = offset
        var index = extentIndex(containing: position)
        while output.count < wanted, index < image.extents.count {
            let extent = image.extents[index]
            let skip = position - extent.outputOffset
            let take = Int(min(extent.length - skip, UInt64(wanted - output.count)))
            try append(extent, skip: skip, count: take, to: &output)
            position += UInt64(take)
            index += 1
        }
        return output
    }

    private func append(_ extent: SparseExtent, skip: UInt64, count: Int, to output: inout [UInt8]) throws {
        switch extent.kind {
        case let .raw(fileOffset):
            let bytes = try image.source.read(offset: fileOffset + skip, length: count)
            guard bytes.count == count else {
                throw SparseImageError(image: image.name, chunk: extent.chunk, offset: fileOffset - UInt64(image.chunkHeaderSize),
                                       problem: "the file became shorter while being read (RAW data ends after \(bytes.count) bytes)")
            }
            output.append(contentsOf: bytes)
        case let .fill(value):
            Self.appendPattern(value, phase: Int(skip % 4), count: count, to: &output)
        case .dontCare:
            output.append(contentsOf: repeatElement(0, count: count))
        }
    }

    /// Appends `count` bytes of the little-endian pattern `value`, starting `phase` bytes into it.
    private static func appendPattern(_ value: UInt32, phase: Int, count: Int, to output: inout [UInt8]) {
        let pattern = (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
        if pattern.allSatisfy({ $0 == pattern[0] }) {
            output.append(contentsOf: repeatElement(pattern[0], count: count))
            return
        }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: count))
        output.withUnsafeMutableBufferPointer { buffer in
            for index in 0..<count { buffer[start + index] = pattern[(phase + index) & 3] }
        }
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
