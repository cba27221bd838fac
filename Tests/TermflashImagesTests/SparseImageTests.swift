import Foundation
import TermflashCore
import TermflashImages
import TestSupport
import XCTest

/// Android sparse images: expansion on demand, CRC32 chunks, and faults named by chunk and offset.
final class SparseImageTests: XCTestCase {
    private let blockSize = 4096

    private func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// Chunks of every type and the expanded bytes they stand for, computed independently of the reader.
    private func sample() -> (chunks: [SparseChunk], expanded: [UInt8]) {
        let first = randomBytes(3 * blockSize, seed: 1)
        let second = randomBytes(blockSize, seed: 2)
        let fill = [UInt8](repeating: 0, count: 2 * blockSize).enumerated().map { [0xEF, 0xBE, 0xAD, 0xDE][$0.offset % 4] as UInt8 }
        let expanded = first + fill + [UInt8](repeating: 0, count: 5 * blockSize) + second + [UInt8](repeating: 0x11, count: blockSize)
        return ([.raw(MemoryByteSource(first)), .fill(0xDEAD_BEEF, blocks: 2), .dontCare(blocks: 5), .crc32,
                 .raw(MemoryByteSource(second)), .fill(0x1111_1111, blocks: 1), .crc32], expanded)
    }

    func testExpansionMatchesTheChunksAtAnySplit() throws {
        let (chunks, expected) = sample()
        var writer = SparseImageWriter(blockSize: UInt32(blockSize))
        writer.headerChecksum = true
        let bytes = try writer.encode(chunks)
        let source = MemoryByteSource(bytes)
        XCTAssertTrue(SparseImage.isSparse(source))
        XCTAssertFalse(SparseImage.isSparse(MemoryByteSource(expected)))
        let image = try SparseImage.open(source, name: "modem.img")
        XCTAssertEqual(image.totalBlocks, 12)
        XCTAssertEqual(image.totalChunks, 7)
        XCTAssertEqual(image.expandedSize, UInt64(expected.count))
        XCTAssertEqual(image.imageChecksum, CRC32Reference.of(expected))
        let secondRawData: UInt64 = 40 + 3 * 4096 + 16 + 12 + 16 + 12
        let kinds: [SparseExtent.Kind] = [.raw(fileOffset: 40), .fill(0xDEAD_BEEF), .dontCare, .raw(fileOffset: secondRawData), .fill(0x1111_1111)]
        XCTAssertEqual(image.extents.map(\.kind), kinds)
        XCTAssertEqual(image.extents.map(\.chunk), [0, 1, 2, 4, 5])
        XCTAssertEqual(image.checksums.map(\.chunk), [3, 6])
        XCTAssertEqual(image.checksums[0].value, CRC32Reference.of(Array(expected[0..<10 * blockSize])))
        XCTAssertEqual(image.definedBytes, UInt64(7 * blockSize))
        try image.verifyChecksums(chunkSize: 5000)

        let expanded = image.expanded
        XCTAssertEqual(try expanded.read(offset: 0, length: expected.count + 10), expected)
        var random = SplitMix64(seed: 99)
        for _ in 0..<300 {
            let offset = Int.random(in: 0..<expected.count, using: &random)
            let length = Int.random(in: 1...3 * blockSize, using: &random)
            XCTAssertEqual(try expanded.read(offset: UInt64(offset), length: length),
                           Array(expected[offset..<min(expected.count, offset + length)]), "offset \(offset) length \(length)")
        }
        XCTAssertEqual(try expanded.read(offset: UInt64(expected.count), length: 4), [])
    }

    func testDataRunsLeaveOutAlignedDontCareRunsOnly() throws {
        let image = try SparseImage.open(MemoryByteSource(try SparseImageWriter(blockSize: UInt32(blockSize)).encode(sample().chunks)))
        let block = UInt64(blockSize)
        XCTAssertEqual(image.dataRuns(alignment: 512), [0..<5 * block, 10 * block..<12 * block])
        XCTAssertEqual(image.dataRuns(alignment: block), [0..<5 * block, 10 * block..<12 * block])
        XCTAssertEqual(image.dataRuns(alignment: 3 * block), [0..<12 * block], "a DONT_CARE run not on sector bounds is written as zeros")
        let leading = try SparseImage.open(MemoryByteSource(try SparseImageWriter(blockSize: UInt32(blockSize)).encode(
            [.dontCare(blocks: 2), .fill(7, blocks: 1), .dontCare(blocks: 3)])))
        XCTAssertEqual(leading.dataRuns(alignment: 512), [2 * block..<3 * block])
        let empty = try SparseImage.open(MemoryByteSource(try SparseImageWriter(blockSize: UInt32(blockSize)).encode([.dontCare(blocks: 4)])))
        XCTAssertEqual(empty.dataRuns(alignment: 512), [])
    }

    func testCRC32ChunksAreCheckedWhenReadsSkipDontCareRuns() throws {
        let bytes = try SparseImageWriter(blockSize: UInt32(blockSize)).encode(sample().chunks)
        let image = try SparseImage.open(MemoryByteSource(bytes))
        let expanded = image.expanded
        for run in image.dataRuns(alignment: UInt64(blockSize)) {
            _ = try expanded.read(offset: run.lowerBound, length: Int(run.upperBound - run.lowerBound))
        }
        var damaged = bytes
        let checksum = image.checksums[0]
        damaged[Int(checksum.fileOffset) + image.chunkHeaderSize] ^= 0x80
        let broken = try SparseImage.open(MemoryByteSource(damaged)).expanded
        let runs = image.dataRuns(alignment: UInt64(blockSize))
        _ = try broken.read(offset: runs[0].lowerBound, length: Int(runs[0].upperBound - runs[0].lowerBound))
        XCTAssertThrowsError(try broken.read(offset: runs[1].lowerBound, length: 10)) { error in
            XCTAssertEqual((error as? SparseImageError)?.chunk, checksum.chunk, "\(error)")
        }
    }

    func testTruncationNamesTheChunkAndOffset() throws {
        let bytes = try SparseImageWriter(blockSize: UInt32(blockSize)).encode(sample().chunks)
        let secondRawChunk = 28 + 12 + 3 * blockSize + 16 + 12 + 16
        let cases: [(Int, String)] = [
            (20, "header at offset 0x0: the file is 20 bytes"),
            (28 + 12 + 100, "chunk 0 at offset 0x1c: the file ends after 100 of the chunk's 12288 bytes of RAW data"),
            (28 + 12 + 3 * blockSize + 5, "chunk 1 at offset 0x\(String(28 + 12 + 3 * blockSize, radix: 16)): the file ends after 5 of the chunk header's 12 bytes"),
            (secondRawChunk + 12 + 4000, "chunk 4 at offset 0x\(String(secondRawChunk, radix: 16)): the file ends after 4000 of the chunk's 4096 bytes of RAW data"),
            (bytes.count - 2, "chunk 6 at offset 0x\(String(bytes.count - 16, radix: 16)): the file ends inside the chunk's 4-byte value"),
        ]
        for (length, message) in cases {
            XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(Array(bytes.prefix(length))), name: "system.img")) { error in
                XCTAssertEqual("\(error)".hasPrefix("sparse image system.img: \(message)"), true, "\(error)")
                XCTAssertNotNil((error as? SparseImageError)?.advice)
            }
        }
    }

    func testDamageIsNamedByChunk() throws {
        let bytes = try SparseImageWriter(blockSize: UInt32(blockSize)).encode(sample().chunks)
        let fillChunk = 28 + 12 + 3 * blockSize
        let crcChunk = fillChunk + 16 + 12

        var badCRC = bytes
        badCRC[crcChunk + 12] ^= 0xFF
        let image = try SparseImage.open(MemoryByteSource(badCRC), name: "modem.img")
        XCTAssertThrowsError(try image.verifyChecksums()) { error in
            XCTAssertEqual((error as? SparseImageError)?.chunk, 3)
            XCTAssertEqual((error as? SparseImageError)?.offset, UInt64(crcChunk))
            XCTAssertTrue("\(error)".contains("the 40960 bytes before it give"), "\(error)")
        }
        let inOrder = image.expanded
        XCTAssertNoThrow(try inOrder.read(offset: 0, length: 10 * blockSize - 1), "the CRC32 chunk covers one byte more")
        XCTAssertThrowsError(try inOrder.read(offset: UInt64(10 * blockSize - 1), length: 2)) { error in
            XCTAssertEqual((error as? SparseImageError)?.chunk, 3, "an in-order pass checks CRC32 chunks as it reaches them")
        }
        XCTAssertNoThrow(try image.expanded.read(offset: 1, length: 12 * blockSize), "reads out of order are not checked")

        var badData = bytes
        badData[28 + 12 + 7] ^= 1
        XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(badData)).verifyChecksums()) { error in
            XCTAssertEqual((error as? SparseImageError)?.chunk, 3, "RAW data damage shows at the next CRC32 chunk")
        }

        var badType = bytes
        badType[fillChunk] = 0xC5
        XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(badType))) { error in
            XCTAssertTrue("\(error)".contains("chunk 1 at offset 0x\(String(fillChunk, radix: 16)): unknown chunk type 0xcac5"), "\(error)")
        }
        var badSize = bytes
        badSize[fillChunk + 8] = 17
        XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(badSize))) { error in
            XCTAssertTrue("\(error)".contains("chunk 1 at offset 0x\(String(fillChunk, radix: 16)): FILL chunk declares 17 bytes in all; its header and data take 16"), "\(error)")
        }
        var moreBlocks = bytes
        moreBlocks[16] = 13
        XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(moreBlocks))) { error in
            XCTAssertTrue("\(error)".contains("declares 13 blocks but the 7 chunks cover 12"), "\(error)")
        }
        var fewerBlocks = bytes
        fewerBlocks[16] = 11
        XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(fewerBlocks))) { error in
            XCTAssertEqual((error as? SparseImageError)?.chunk, 5, "the chunk that runs past the declared blocks")
        }
        var notSparse = bytes
        notSparse[0] = 0
        XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(notSparse))) { error in
            XCTAssertTrue("\(error)".contains("not an Android sparse image"), "\(error)")
        }
        var badChecksum = try {
            var writer = SparseImageWriter(blockSize: UInt32(blockSize))
            writer.headerChecksum = true
            return try writer.encode(sample().chunks)
        }()
        badChecksum[24] ^= 1
        XCTAssertThrowsError(try SparseImage.open(MemoryByteSource(badChecksum)).verifyChecksums()) { error in
            XCTAssertTrue("\(error)".contains("header's image checksum"), "\(error)")
        }
    }

    /// AOSP's own tools (img2simg, simg2img) agree with the reader and the writer.
    func testAOSPToolsAgree() throws {
        guard let img2simg = which("img2simg"), let simg2img = which("simg2img") else {
            throw XCTSkip("img2simg/simg2img missing: scripts/setup.sh installs android-sdk-libsparse-utils")
        }
        let folder = try Fixtures.temporaryDirectory()
        var raw = randomBytes(8 * blockSize, seed: 5) + [UInt8](repeating: 0, count: 16 * blockSize) + [UInt8](repeating: 0x5A, count: 8 * blockSize)
        raw += randomBytes(blockSize, seed: 6)
        try Data(raw).write(to: URL(fileURLWithPath: "\(folder)/raw.img"))
        XCTAssertEqual(try runProcess(img2simg, ["\(folder)/raw.img", "\(folder)/sparse.img"]).status, 0)
        let made = try SparseImage.open(try FileByteSource(path: "\(folder)/sparse.img"), name: "sparse.img")
        XCTAssertLessThan(made.source.count, UInt64(raw.count), "img2simg stored the zero and 0x5A runs as FILL chunks")
        XCTAssertTrue(made.extents.contains { if case .fill = $0.kind { return true } else { return false } })
        XCTAssertEqual(try made.expanded.read(offset: 0, length: raw.count), raw)

        let (chunks, expected) = sample()
        try Data(try SparseImageWriter(blockSize: UInt32(blockSize)).encode(chunks)).write(to: URL(fileURLWithPath: "\(folder)/ours.img"))
        let result = try runProcess(simg2img, ["\(folder)/ours.img", "\(folder)/ours.raw"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(folder)/ours.raw"))), expected)
    }
}
