import TermflashCore

/// One run of the expanded image and where its bytes come from.
public struct SparseExtent: Hashable, Sendable {
    /// Where the bytes come from.
    public enum Kind: Hashable, Sendable {
        /// Bytes stored in the sparse file at `fileOffset`.
        case raw(fileOffset: UInt64)
        /// A 4-byte little-endian pattern repeated (FILL chunk).
        case fill(UInt32)
        /// Bytes the image does not define (DONT_CARE chunk); read back as zeros, and may be skipped when writing.
        case dontCare
    }

    /// The source of the bytes.
    public let kind: Kind
    /// Offset in the expanded image.
    public let outputOffset: UInt64
    /// Length in bytes.
    public let length: UInt64
    /// 0-based index of the chunk that defines the run.
    public let chunk: Int

    /// The first byte after the run.
    public var outputEnd: UInt64 { outputOffset + length }
}

/// A CRC32 chunk: the CRC-32 of the expanded image up to `outputOffset` (DONT_CARE counted as zeros).
public struct SparseChecksum: Hashable, Sendable {
    /// 0-based chunk index.
    public let chunk: Int
    /// Offset of the chunk in the sparse file.
    public let fileOffset: UInt64
    /// Expanded bytes the checksum covers.
    public let outputOffset: UInt64
    /// The stored value.
    public let value: UInt32
}

/// An Android sparse image (magic 0xED26FF3A; chunk types RAW 0xCAC1, FILL 0xCAC2, DONT_CARE 0xCAC3,
/// CRC32 0xCAC4 as AOSP libsparse defines them), read from any ``ByteSource`` without expanding it:
/// opening reads the chunk headers only; ``expanded`` produces bytes on demand.
public final class SparseImage {
    /// Sparse file magic.
    public static let magic: UInt32 = 0xED26_FF3A

    /// The image's name (for errors).
    public let name: String
    /// Format version (major must be 1).
    public let majorVersion: UInt16, minorVersion: UInt16
    /// Size of the file header and of each chunk header, in bytes (28 and 12 in practice).
    public let fileHeaderSize: Int, chunkHeaderSize: Int
    /// Bytes per block.
    public let blockSize: UInt32
    /// Blocks in the expanded image.
    public let totalBlocks: UInt32
    /// Chunks in the file.
    public let totalChunks: UInt32
    /// CRC-32 of the expanded image from the header (0 when not set).
    public let imageChecksum: UInt32
    /// The runs of the expanded image, in order and without gaps.
    public let extents: [SparseExtent]
    /// The CRC32 chunks, in order.
    public let checksums: [SparseChecksum]
    /// The sparse file.
    public let source: ByteSource

    /// Size of the expanded image.
    public var expandedSize: UInt64 { UInt64(totalBlocks) * UInt64(blockSize) }

    /// Bytes the image defines (everything but DONT_CARE).
    public var definedBytes: UInt64 {
        extents.reduce(0) { $0 + ($1.kind == .dontCare ? 0 : $1.length) }
    }

    /// The parts of the expanded image a writer must write: RAW and FILL runs merged where they
    /// touch, DONT_CARE runs left out. A DONT_CARE run whose ends are not multiples of
    /// `alignment` (the device's sector size) stays inside the neighbouring part, written as zeros.
    public func dataRuns(alignment: UInt64) -> [Range<UInt64>] {
        var runs: [Range<UInt64>] = []
        var start: UInt64?
        for extent in extents {
            let skippable = extent.kind == .dontCare && alignment > 0
                && extent.outputOffset % alignment == 0 && extent.outputEnd % alignment == 0
            if skippable {
                if let open = start { runs.append(open..<extent.outputOffset) }
                start = nil
            } else if start == nil {
                start = extent.outputOffset
            }
        }
        if let open = start, open < expandedSize { runs.append(open..<expandedSize) }
        return runs
    }

    /// The expanded image, produced on demand.
    public var expanded: ExpandedSparseSource { ExpandedSparseSource(image: self) }

    /// True when `source` starts with the sparse magic.
    public static func isSparse(_ source: ByteSource) -> Bool {
        guard let head = try? source.read(offset: 0, length: 4), head.count == 4 else { return false }
        var reader = ByteReader(head)
        return (try? reader.read(UInt32.self, endianness: .little)) == magic
    }

    /// Reads the header and every chunk header; throws ``SparseImageError`` naming the chunk and offset at fault.
    public static func open(_ source: ByteSource, name: String = "image") throws -> SparseImage {
        try SparseImage(source: source, name: name)
    }

    private init(source: ByteSource, name: String) throws {
        self.source = source
        self.name = name
        let head = try source.read(offset: 0, length: 28)
        guard head.count == 28 else {
            throw SparseImageError(image: name, chunk: nil, offset: 0, problem: "the file is \(head.count) bytes, shorter than the 28-byte sparse header")
        }
        var reader = ByteReader(head)
        let magic = try reader.read(UInt32.self, endianness: .little)
        majorVersion = try reader.read(UInt16.self, endianness: .little)
        minorVersion = try reader.read(UInt16.self, endianness: .little)
        fileHeaderSize = Int(try reader.read(UInt16.self, endianness: .little))
        chunkHeaderSize = Int(try reader.read(UInt16.self, endianness: .little))
        blockSize = try reader.read(UInt32.self, endianness: .little)
        totalBlocks = try reader.read(UInt32.self, endianness: .little)
        totalChunks = try reader.read(UInt32.self, endianness: .little)
        imageChecksum = try reader.read(UInt32.self, endianness: .little)
        try Self.checkHeader(name: name, magic: magic, major: majorVersion, fileHeaderSize: fileHeaderSize,
                             chunkHeaderSize: chunkHeaderSize, blockSize: blockSize)
        var walker = SparseChunkWalker(name: name, source: source, fileHeaderSize: fileHeaderSize,
                                       chunkHeaderSize: chunkHeaderSize, blockSize: blockSize)
        try walker.walk(chunks: totalChunks, totalBlocks: totalBlocks)
        extents = walker.extents
        checksums = walker.checksums
    }

    private static func checkHeader(name: String, magic: UInt32, major: UInt16, fileHeaderSize: Int,
                                    chunkHeaderSize: Int, blockSize: UInt32) throws {
        func fault(_ offset: UInt64, _ problem: String) -> SparseImageError {
            SparseImageError(image: name, chunk: nil, offset: offset, problem: problem)
        }
        guard magic == Self.magic else {
            throw fault(0, "magic is 0x\(String(magic, radix: 16)), not 0xed26ff3a: this is not an Android sparse image")
        }
        guard major == 1 else { throw fault(4, "format version \(major) is not supported (only version 1 exists)") }
        guard fileHeaderSize >= 28 else { throw fault(8, "file header size is \(fileHeaderSize), less than 28") }
        guard chunkHeaderSize >= 12 else { throw fault(10, "chunk header size is \(chunkHeaderSize), less than 12") }
        guard blockSize > 0, blockSize % 4 == 0 else { throw fault(12, "block size \(blockSize) is not a positive multiple of 4") }
    }

    /// Reads the whole expanded image once and checks every CRC32 chunk and the header checksum (if set).
    public func verifyChecksums(chunkSize: Int = 1 << 20) throws {
        var crc = CRC32()
        var position: UInt64 = 0
        let expanded = self.expanded
        for checksum in checksums + [SparseChecksum(chunk: -1, fileOffset: 0, outputOffset: expandedSize, value: imageChecksum)] {
            while position < checksum.outputOffset {
                let bytes = try expanded.read(offset: position, length: Int(min(UInt64(chunkSize), checksum.outputOffset - position)))
                crc.update(bytes)
                position += UInt64(bytes.count)
            }
            if checksum.chunk < 0 {
                guard imageChecksum == 0 || crc.value == imageChecksum else {
                    throw SparseImageError(image: name, chunk: nil, offset: 24, problem: String(
                        format: "the header's image checksum is 0x%08x but the expanded image's CRC-32 is 0x%08x", imageChecksum, crc.value))
                }
            } else if crc.value != checksum.value {
                throw SparseImageError(image: name, chunk: checksum.chunk, offset: checksum.fileOffset, problem: String(
                    format: "CRC32 chunk holds 0x%08x but the %llu bytes before it give 0x%08x", checksum.value, checksum.outputOffset, crc.value))
            }
        }
    }
}

import Foundation
