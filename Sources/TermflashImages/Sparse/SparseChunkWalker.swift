import TermflashCore

/// Chunk types of the sparse format.
enum SparseChunkType: UInt16 {
    case raw = 0xCAC1, fill = 0xCAC2, dontCare = 0xCAC3, crc32 = 0xCAC4

    var name: String {
        switch self {
        case .raw: return "RAW"
        case .fill: return "FILL"
        case .dontCare: return "DONT_CARE"
        case .crc32: return "CRC32"
        }
    }
}

/// Walks the chunk headers of a sparse file, checking each against the file's length and the header.
struct SparseChunkWalker {
    let name: String
    let source: ByteSource
    let fileHeaderSize: Int
    let chunkHeaderSize: Int
    let blockSize: UInt32
    private(set) var extents: [SparseExtent] = []
    private(set) var checksums: [SparseChecksum] = []

    init(name: String, source: ByteSource, fileHeaderSize: Int, chunkHeaderSize: Int, blockSize: UInt32) {
        self.name = name
        self.source = source
        self.fileHeaderSize = fileHeaderSize
        self.chunkHeaderSize = chunkHeaderSize
        self.blockSize = blockSize
    }

    mutating func walk(chunks: UInt32, totalBlocks: UInt32) throws {
        var fileOffset = UInt64(fileHeaderSize)
        var block: UInt64 = 0
        for index in 0..<Int(chunks) {
            let (type, chunkBlocks, totalSize) = try readHeader(index: index, at: fileOffset)
            let bytes = chunkBlocks * UInt64(blockSize)
            let bodyOffset = fileOffset + UInt64(chunkHeaderSize)
            guard block + chunkBlocks <= UInt64(totalBlocks) else {
                throw fault(index, fileOffset, "\(type.name) chunk of \(chunkBlocks) blocks ends at block \(block + chunkBlocks), past the \(totalBlocks) blocks the header declares")
            }
            let output = block * UInt64(blockSize)
            switch type {
            case .raw:
                try expectSize(index, fileOffset, type, totalSize, body: bytes)
                try expectPresent(index, fileOffset, from: bodyOffset, length: bytes, "\(bytes) bytes of RAW data")
                append(.raw(fileOffset: bodyOffset), output, bytes, index)
            case .fill:
                try expectSize(index, fileOffset, type, totalSize, body: 4)
                append(.fill(try readWord(index, fileOffset, at: bodyOffset)), output, bytes, index)
            case .dontCare:
                try expectSize(index, fileOffset, type, totalSize, body: 0)
                append(.dontCare, output, bytes, index)
            case .crc32:
                try expectSize(index, fileOffset, type, totalSize, body: 4)
                guard chunkBlocks == 0 else { throw fault(index, fileOffset, "CRC32 chunk claims \(chunkBlocks) blocks; it covers none") }
                let value = try readWord(index, fileOffset, at: bodyOffset)
                checksums.append(SparseChecksum(chunk: index, fileOffset: fileOffset, outputOffset: output, value: value))
            }
            block += chunkBlocks
            fileOffset += totalSize
        }
        guard block == UInt64(totalBlocks) else {
            throw SparseImageError(image: name, chunk: nil, offset: 16, problem: "the header declares \(totalBlocks) blocks but the \(chunks) chunks cover \(block)")
        }
    }

    private func readHeader(index: Int, at offset: UInt64) throws -> (SparseChunkType, UInt64, UInt64) {
        let head = try source.read(offset: offset, length: 12)
        guard head.count == 12 else {
            throw fault(index, offset, "the file ends after \(head.count) of the chunk header's 12 bytes (the header declares more chunks than the file holds)")
        }
        var reader = ByteReader(head)
        let rawType = try reader.read(UInt16.self, endianness: .little)
        try reader.skip(2)
        let chunkBlocks = UInt64(try reader.read(UInt32.self, endianness: .little))
        let totalSize = UInt64(try reader.read(UInt32.self, endianness: .little))
        guard let type = SparseChunkType(rawValue: rawType) else {
            throw fault(index, offset, "unknown chunk type 0x\(String(rawType, radix: 16)) (RAW 0xcac1, FILL 0xcac2, DONT_CARE 0xcac3, CRC32 0xcac4)")
        }
        return (type, chunkBlocks, totalSize)
    }

    private func expectSize(_ index: Int, _ offset: UInt64, _ type: SparseChunkType, _ totalSize: UInt64, body: UInt64) throws {
        let expected = UInt64(chunkHeaderSize) + body
        guard totalSize == expected else {
            throw fault(index, offset, "\(type.name) chunk declares \(totalSize) bytes in all; its header and data take \(expected)")
        }
    }

    private func expectPresent(_ index: Int, _ offset: UInt64, from start: UInt64, length: UInt64, _ what: String) throws {
        let available = source.count > start ? source.count - start : 0
        guard length <= available else {
            throw fault(index, offset, "the file ends after \(available) of the chunk's \(what)")
        }
    }

    private func readWord(_ index: Int, _ chunkOffset: UInt64, at offset: UInt64) throws -> UInt32 {
        let bytes = try source.read(offset: offset, length: 4)
        guard bytes.count == 4 else { throw fault(index, chunkOffset, "the file ends inside the chunk's 4-byte value") }
        var reader = ByteReader(bytes)
        return try reader.read(UInt32.self, endianness: .little)
    }

    private mutating func append(_ kind: SparseExtent.Kind, _ output: UInt64, _ length: UInt64, _ chunk: Int) {
        guard length > 0 else { return }
        extents.append(SparseExtent(kind: kind, outputOffset: output, length: length, chunk: chunk))
    }

    private func fault(_ index: Int, _ offset: UInt64, _ problem: String) -> SparseImageError {
        SparseImageError(image: name, chunk: index, offset: offset, problem: problem)
    }
}
