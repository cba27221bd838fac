import Foundation
import TermflashCore
import TermflashImages
import TestSupport
import XCTest

/// Mutated inputs through every reader: each must end in a value or a typed error, never a crash or a hang.
final class ImagesFuzzTests: XCTestCase {
    /// Set TERMFLASH_FUZZ_SEED to explore other inputs; the default keeps `make test` reproducible.
    private var random = SplitMix64(seed: ProcessInfo.processInfo.environment["TERMFLASH_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xF022)

    private static let nastyValues = [
        "", "-1", "0", "18446744073709551615", "18446744073709551616", "99999999999999999999999", "0x", "0xFFFFFFFFFFFFFFFF",
        "NUM_DISK_SECTORS-18446744073709551615.", "NUM_DISK_SECTORS*NUM_DISK_SECTORS*NUM_DISK_SECTORS", "CRC32(0,18446744073709551615)",
        "CRC32(NUM_DISK_SECTORS-1.,92)", "CRC32(CRC32(1,2),3)", String(repeating: "(", count: 5000) + "1", "1/0", "4096*", "true", "DISK",
        "\u{00e9}\u{0000}", "9223372036854775808",
    ]

    func testMutatedRawProgramAndPatchFiles() throws {
        let sample = try SampleRawProgramSet.generate(in: URL(fileURLWithPath: try Fixtures.temporaryDirectory()), sectorSize: 512, luns: 1)
        let rawProgram = try String(contentsOf: sample.folder.appendingPathComponent("rawprogram0.xml"), encoding: .utf8)
        let patch = try String(contentsOf: sample.folder.appendingPathComponent("patch0.xml"), encoding: .utf8)
        var outcomes = FuzzOutcomes()
        for round in 0..<1500 {
            let text = round % 5 == 0 ? mutateBytes(Array((round % 2 == 0 ? rawProgram : patch).utf8)) : mutateAttributes(round % 2 == 0 ? rawProgram : patch)
            outcomes.run(refusingWith: { $0 is RawProgramError }) {
                if round % 2 == 0 {
                    for entry in try RawProgramFile.parse(Data(text), name: "rawprogram0.xml").programs {
                        _ = try? entry.start.resolve(diskSectors: randomDiskSize())
                        _ = entry.sectorsToWrite(imageBytes: UInt64.random(in: 0...1 << 40, using: &random))
                    }
                } else {
                    var disk = [UInt8](repeating: 0, count: 64 * 512)
                    for entry in try PatchFile.parse(Data(text), name: "patch0.xml").patches {
                        _ = try? entry.apply(to: &disk, diskSectors: [64, 0, 1, UInt64.max, randomDiskSize()].randomElement(using: &random)!)
                    }
                }
            }
        }
        XCTAssertGreaterThan(outcomes.accepted, 100)
        XCTAssertGreaterThan(outcomes.refused, 100)
    }

    func testMutatedSparseImages() throws {
        let original = try SparseImageWriter(blockSize: 4096).encode([
            .raw(MemoryByteSource([UInt8](repeating: 7, count: 8192))), .fill(0xDEAD_BEEF, blocks: 3), .dontCare(blocks: 2), .crc32,
            .raw(MemoryByteSource([UInt8](repeating: 9, count: 4096))), .crc32,
        ])
        var outcomes = FuzzOutcomes()
        for _ in 0..<2000 {
            let bytes = mutateBytes(original, headerBias: 28 + 12)
            outcomes.run(refusingWith: { $0 is SparseImageError }) {
                let image = try SparseImage.open(MemoryByteSource(bytes), name: "fuzz.img")
                let expanded = image.expanded
                for offset in [0, expanded.count / 2, expanded.count &- 100, UInt64.random(in: 0...max(1, expanded.count), using: &random)] {
                    do { _ = try expanded.read(offset: offset, length: 70_000) } catch {
                        XCTAssertTrue(error is SparseImageError, "\(type(of: error)): \(error)")
                    }
                }
                if image.expandedSize <= 1 << 20 { _ = try? image.verifyChecksums() }
            }
        }
        XCTAssertGreaterThan(outcomes.accepted, 100)
        XCTAssertGreaterThan(outcomes.refused, 100)
    }

    func testMutatedGPTs() throws {
        let image = try GPTBuilder(sectorSize: 512, diskSectors: 200, diskGUID: .zero, partitions: [
            .init(name: "a", typeGUID: GUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4")!, uniqueGUID: .zero, sectors: 10),
            .init(name: "b", typeGUID: GUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4")!, uniqueGUID: .zero, sectors: nil),
        ]).build()
        let header = Array(image.primary[512..<1024]), entries = Array(image.primary[1024...])
        var outcomes = FuzzOutcomes()
        for round in 0..<3000 {
            var mutatedHeader = round % 3 == 0 ? header : mutateBytes(header, headerBias: 92)
            let mutatedEntries = round % 3 == 1 ? entries : mutateBytes(entries, headerBias: 256)
            if round % 2 == 0, mutatedHeader.count >= 92 {
                mutatedHeader.replaceSubrange(88..<92, with: littleEndian(CRC32.checksum(Array(mutatedEntries.prefix(16384)))))
                mutatedHeader.replaceSubrange(16..<20, with: [0, 0, 0, 0])
                mutatedHeader.replaceSubrange(16..<20, with: littleEndian(CRC32.checksum(Array(mutatedHeader[0..<92]))))
            }
            outcomes.run(refusingWith: { $0 is GPTError }) {
                _ = try GPT.parse(lba1: mutatedHeader, entries: mutatedEntries, sectorSize: 512)
            }
        }
        XCTAssertGreaterThan(outcomes.accepted, 100)
        XCTAssertGreaterThan(outcomes.refused, 100)
    }

    func testMutatedZips() throws {
        let sample = try SampleRawProgramSet.generate(in: URL(fileURLWithPath: try Fixtures.temporaryDirectory()), sectorSize: 512, luns: 1)
        let folder = try Fixtures.temporaryDirectory()
        let zip = URL(fileURLWithPath: folder + "/set.zip")
        try sample.zip(to: zip)
        let original = try [UInt8](Data(contentsOf: zip))
        let mutated = URL(fileURLWithPath: folder + "/mutated.zip")
        var outcomes = FuzzOutcomes()
        for round in 0..<300 {
            var bytes = original
            let tail = max(0, bytes.count - 2048)
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let index = round % 2 == 0 ? Int.random(in: tail..<bytes.count, using: &random) : Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if round % 10 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random))) }
            try Data(bytes).write(to: mutated)
            outcomes.run(refusingWith: { $0 is ZipError || $0 is CocoaError }) {
                let container = try ZipContainer(url: mutated)
                for name in container.fileNames {
                    let source = try container.source(of: name)
                    _ = try source.read(offset: 0, length: Int(min(source.count, 1 << 20)))
                    _ = try source.read(offset: source.count / 2, length: 4096)
                }
            }
        }
        XCTAssertGreaterThan(outcomes.refused, 30)
    }

    func testRandomStorageAddresses() {
        let alphabet = Array("0123456789abcdefx/+_- modemLUN")
        for _ in 0..<5000 {
            let text = String((0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            if let address = try? StorageAddress.parse(text) {
                XCTAssertEqual(try? StorageAddress.parse(address.description), address, text)
            }
        }
    }

    private func mutateAttributes(_ text: String) -> [UInt8] {
        var result = text
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let quotes = result.indices.filter { result[$0] == "\"" }
            guard quotes.count >= 2 else { break }
            let pair = Int.random(in: 0..<quotes.count / 2, using: &random) * 2
            let range = result.index(after: quotes[pair])..<quotes[pair + 1]
            result.replaceSubrange(range, with: Self.nastyValues.randomElement(using: &random)!
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "<", with: "&lt;"))
        }
        return Array(result.utf8)
    }

    private func mutateBytes(_ bytes: [UInt8], headerBias: Int = 0) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !result.isEmpty else { break }
            let limit = headerBias > 0 && Bool.random(using: &random) ? min(headerBias, result.count) : result.count
            let index = Int.random(in: 0..<limit, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: result[index] = UInt8.random(in: 0...255, using: &random)
            case 1: result[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
            case 2: result = Array(result.prefix(index))
            default: result[index] = [0x00, 0xFF, 0x7F, 0x80].randomElement(using: &random)!
            }
        }
        return result
    }

    private func randomDiskSize() -> UInt64 {
        [0, 1, 33, 34, 1 << 20, UInt64.max, UInt64.random(in: 0...UInt64.max, using: &random)].randomElement(using: &random)!
    }

    private func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}

/// How many mutated inputs a reader took and how many it refused; every refusal must be one
/// of the reader's own errors, never anything else.
private struct FuzzOutcomes {
    var accepted = 0, refused = 0

    mutating func run(refusingWith isExpected: (Error) -> Bool, file: StaticString = #filePath, line: UInt = #line,
                      _ body: () throws -> Void) {
        do {
            try body()
            accepted += 1
        } catch {
            XCTAssertTrue(isExpected(error), "\(type(of: error)): \(error)", file: file, line: line)
            refused += 1
        }
    }
}
