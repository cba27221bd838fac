import Foundation
import TermflashCore
import TermflashCrypto
@testable import TermflashDelta
import TestSupport
import XCTest

/// Patches made and applied: the rebuilt image equals the new one byte for byte.
final class DeltaRoundTripTests: XCTestCase {
    private func roundTrip(_ old: [UInt8], _ new: [UInt8], options: DeltaEncoder.Options = .init(),
                           file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let patch = try DeltaEncoder(options: options).encode(old: old, new: new)
        let decoder = try DeltaDecoder(patch: MemoryByteSource(patch), name: "patch")
        XCTAssertEqual(decoder.header.sourceSize, UInt64(old.count), file: file, line: line)
        XCTAssertEqual(decoder.header.targetSHA256, SHA256.hash(new), file: file, line: line)
        let rebuilt = try decoder.apply(source: old)
        XCTAssertTrue(rebuilt == new, "rebuilt \(rebuilt.count) bytes differ from the \(new.count)-byte target", file: file, line: line)
        return patch
    }

    func testCodeWithShiftedAddressesGivesASmallPatch() throws {
        let (old, new) = DeltaTestData.codePair(size: 300_000, seed: 1)
        let patch = try roundTrip(old, new)
        XCTAssertLessThan(patch.count, new.count / 12, "every address moved, yet the patch stays a small part of the image")
    }

    func testEditedRandomDataAcrossManySmallChunksAndThreads() throws {
        let (old, new) = DeltaTestData.editedPair(size: 3 << 20, seed: 2)
        let patch = try roundTrip(old, new, options: .init(window: 64 << 10, threads: 3))
        let info = try DeltaDecoder(patch: MemoryByteSource(patch), name: "p").chunkSummaries()
        XCTAssertEqual(info.count, (new.count + (64 << 10) - 1) / (64 << 10))
        XCTAssertLessThan(patch.count, 64 << 10, "8 edits of random data cost their own bytes, not the image's")
    }

    /// Every thread's segment must find its own alignment, not assume source offset 0.
    func testSparseByteEditsCostNextToNothingWithEveryThreadCount() throws {
        var random = SplitMix64(seed: 5)
        let old = (0..<(2 << 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var new = old
        for _ in 0..<30 { new[Int(random.next() % UInt64(new.count))] ^= 0x55 }
        for threads in [1, 2, 4] {
            let patch = try roundTrip(old, new, options: .init(threads: threads))
            XCTAssertLessThan(patch.count, 2048, "\(threads) threads")
        }
    }

    func testEdgeShapes() throws {
        let (old, new) = DeltaTestData.editedPair(size: 50_000, seed: 3)
        _ = try roundTrip([], new)
        _ = try roundTrip(old, [])
        _ = try roundTrip([], [])
        _ = try roundTrip(old, old)
        _ = try roundTrip([1], [2])
        _ = try roundTrip(old, Array(old[1000..<2000]), options: .init(window: 4096, threads: 2))
        let identical = try roundTrip(old, old)
        XCTAssertLessThan(identical.count, 1000)
    }

    /// Version 1 patches (control triples interleaved) and version 2 (columns) still apply;
    /// version 3 adds the diff layout byte.
    func testBothControlLayoutsRebuildTheSameTarget() throws {
        let source = Array(UInt8(1)...10)
        let target: [UInt8] = [1, 2, 3, 4, 5, 0xA, 0xB, 0xC, 8, 9, 11]
        let triples: [UInt8] = [5, 3, 4 /* seek +2, zigzag */, 3, 0, 0]
        let columns: [UInt8] = [2, /* adds */ 5, 3, /* inserts */ 3, 0, /* seeks */ 4, 0]
        let diff: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 1]
        let layouts: [(UInt16, [UInt8], DiffLayout)] = [(1, triples, .plain), (2, columns, .plain), (3, columns, .plain), (3, columns, .zeroRuns)]
        for (version, control, layout) in layouts {
            let patch = HandMadePatch.build(source: source, target: target, control: control, diff: diff, extra: [0xA, 0xB, 0xC],
                                            version: version, layout: layout)
            let decoder = try DeltaDecoder(patch: MemoryByteSource(patch), name: "v\(version)")
            XCTAssertEqual(decoder.header.version, version)
            XCTAssertEqual(try decoder.apply(source: source), target, "version \(version), \(layout)")
        }
        let written = try DeltaEncoder().encode(old: source, new: target)
        XCTAssertEqual(written[8], 3, "the encoder writes version 3")
    }

    /// A short string that also occurs far away in the source must not split a cover in two
    /// (two long seeks cost more than the few bytes the match saves).
    func testShortFarMatchesDoNotSplitACover() throws {
        var random = SplitMix64(seed: 11)
        let old = (0..<(256 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var new = old
        for edit in 0..<40 {
            let at = 4096 + edit * 4096
            let from = Int(random.next() % UInt64(old.count - 16))
            new.replaceSubrange(at..<(at + 12), with: old[from..<(from + 12)])
        }
        let patch = try roundTrip(old, new)
        let operations = try DeltaDecoder(patch: MemoryByteSource(patch), name: "p").chunkSummaries().reduce(0) { $0 + $1.operations.steps.count }
        XCTAssertLessThan(operations, 10, "40 twelve-byte edits stay diff bytes of one cover")
    }

    func testRealSharedLibraryPair() throws {
        let (old, new) = try DeltaTestData.realPair("p2-libc-so")
        let patch = try roundTrip(old, new)
        XCTAssertLessThan(patch.count, new.count * 4 / 100, "libc 2.36 point releases differ by a few percent")
    }

    func testRealCompressedFirmwarePair() throws {
        let (old, new) = try DeltaTestData.realPair("p1-ovmf-code")
        let patch = try roundTrip(old, new)
        XCTAssertLessThan(patch.count, new.count * 80 / 100, "LZMA-packed volumes leave little to share, but some")
    }

    func testFilesApplyWritesTheOutputOnlyOnSuccess() throws {
        let folder = try Fixtures.temporaryDirectory()
        let (old, new) = DeltaTestData.codePair(size: 100_000, seed: 4)
        try Data(old).write(to: URL(fileURLWithPath: folder + "/old"))
        try Data(new).write(to: URL(fileURLWithPath: folder + "/new"))
        try DeltaFiles.create(old: folder + "/old", new: folder + "/new", patch: folder + "/patch")
        _ = try DeltaFiles.apply(old: folder + "/old", patch: folder + "/patch", output: folder + "/out")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/out")), Data(new))
        let info = try DeltaFiles.info(patch: folder + "/patch")
        XCTAssertEqual(info.header.targetSize, UInt64(new.count))
        XCTAssertEqual(info.addBytes + info.insertBytes, new.count)
    }
}
