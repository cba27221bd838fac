import TermflashCore

/// A chunk to write into a sparse image.
public enum SparseChunk {
    /// Bytes stored as they are; the length must be a whole number of blocks.
    case raw(ByteSource)
    /// `blocks` blocks of a repeated 4-byte little-endian pattern.
    case fill(UInt32, blocks: UInt32)
    /// `blocks` blocks the image leaves undefined.
    case dontCare(blocks: UInt32)
    /// The CRC-32 of everything expanded so far (DONT_CARE counted as zeros).
    case crc32
}

/// Writes Android sparse images (format 1.0, 28-byte file and 12-byte chunk headers), streaming
/// RAW data from its sources; used by the sample set generator, tests and benchmarks.
public struct SparseImageWriter {
    /// Bytes per block (a multiple of 4; 4096 in practice).
    public let blockSize: UInt32
    /// Store the expanded image's CRC-32 in the header (costs a first pass over the data).
    public var headerChecksum = false
    /// RAW data is copied in pieces of this size.
    public var copyChunkSize = 1 << 20

    /// A writer.
    public init(blockSize: UInt32 = 4096) {
        precondition(blockSize > 0 && blockSize % 4 == 0, "block size must be a positive multiple of 4")
        self.blockSize = blockSize
    }

    /// Streams the image to `sink` in pieces.
    public func write(_ chunks: [SparseChunk], to sink: ([UInt8]) throws -> Void) throws {
        let totalBlocks = try chunks.reduce(UInt64(0)) { $0 + UInt64(try blocks(of: $1)) }
        precondition(totalBlocks <= UInt64(UInt32.max), "a sparse image holds at most 2^32-1 blocks")
        var header = ByteWriter()
        header.write(SparseImage.magic, endianness: .little)
        header.write(UInt16(1), endianness: .little)
        header.write(UInt16(0), endianness: .little)
        header.write(UInt16(28), endianness: .little)
        header.write(UInt16(12), endianness: .little)
        header.write(blockSize, endianness: .little)
        header.write(UInt32(totalBlocks), endianness: .little)
        header.write(UInt32(chunks.count), endianness: .little)
        header.write(headerChecksum ? try expandedChecksum(chunks) : 0, endianness: .little)
        try sink(header.bytes)
        var crc = CRC32()
        for chunk in chunks { try write(chunk, crc: &crc, to: sink) }
    }

    /// The whole image in memory (tests and small samples).
    public func encode(_ chunks: [SparseChunk]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try write(chunks) { bytes += $0 }
        return bytes
    }

    private func write(_ chunk: SparseChunk, crc: inout CRC32, to sink: ([UInt8]) throws -> Void) throws {
        switch chunk {
        case let .raw(source):
            let count = try blocks(of: chunk)
            try sink(chunkHeader(.raw, blocks: count, body: UInt32(source.count)))
            try forEachPiece(of: source) { piece in
                crc.update(piece)
                try sink(piece)
            }
        case let .fill(value, blocks):
            try sink(chunkHeader(.fill, blocks: blocks, body: 4) + littleEndian(value))
            feedFill(value, bytes: UInt64(blocks) * UInt64(blockSize), into: &crc)
        case let .dontCare(blocks):
            try sink(chunkHeader(.dontCare, blocks: blocks, body: 0))
            feedFill(0, bytes: UInt64(blocks) * UInt64(blockSize), into: &crc)
        case .crc32:
            try sink(chunkHeader(.crc32, blocks: 0, body: 4) + littleEndian(crc.value))
        }
    }

    private func expandedChecksum(_ chunks: [SparseChunk]) throws -> UInt32 {
        var crc = CRC32()
        for chunk in chunks {
            switch chunk {
            case let .raw(source): try forEachPiece(of: source) { crc.update($0) }
            case let .fill(value, blocks): feedFill(value, bytes: UInt64(blocks) * UInt64(blockSize), into: &crc)
            case let .dontCare(blocks): feedFill(0, bytes: UInt64(blocks) * UInt64(blockSize), into: &crc)
            case .crc32: break
            }
        }
        return crc.value
    }

    private func blocks(of chunk: SparseChunk) throws -> UInt32 {
        switch chunk {
        case let .raw(source):
            precondition(source.count % UInt64(blockSize) == 0, "RAW chunk data must be whole blocks")
            return UInt32(source.count / UInt64(blockSize))
        case let .fill(_, blocks), let .dontCare(blocks): return blocks
        case .crc32: return 0
        }
    }

    private func chunkHeader(_ type: SparseChunkType, blocks: UInt32, body: UInt32) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(type.rawValue, endianness: .little)
        writer.write(UInt16(0), endianness: .little)
        writer.write(blocks, endianness: .little)
        writer.write(12 + body, endianness: .little)
        return writer.bytes
    }

    private func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    private func forEachPiece(of source: ByteSource, _ body: ([UInt8]) throws -> Void) throws {
        var offset: UInt64 = 0
        while offset < source.count {
            let piece = try source.read(offset: offset, length: copyChunkSize)
            precondition(!piece.isEmpty, "a RAW chunk's source ended early")
            try body(piece)
            offset += UInt64(piece.count)
        }
    }

    private func feedFill(_ value: UInt32, bytes: UInt64, into crc: inout CRC32) {
        let pattern = [UInt8]((0..<Int(min(bytes, UInt64(copyChunkSize)))).map { UInt8(truncatingIfNeeded: value >> (8 * ($0 % 4))) })
        var left = bytes
        while left > 0 {
            let take = Int(min(left, UInt64(pattern.count)))
            pattern.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[0..<take])) }
            left -= UInt64(take)
        }
    }
}
