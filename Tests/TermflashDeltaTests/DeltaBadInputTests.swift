import Foundation
import TermflashCore
import TermflashCrypto
@testable import TermflashDelta
import TestSupport
import XCTest

/// Damaged, hostile and misapplied patches end in errors that name the fault.
final class DeltaBadInputTests: XCTestCase {
    private let pair = DeltaTestData.editedPair(size: 40_000, seed: 7)
    private lazy var patch: [UInt8] = (try? DeltaEncoder(options: .init(window: 8192)).encode(old: pair.old, new: pair.new)) ?? []

    private func apply(_ patch: [UInt8], to source: [UInt8]? = nil) -> DeltaError? {
        do {
            _ = try DeltaDecoder(patch: MemoryByteSource(patch), name: "p.delta").apply(source: source ?? pair.old)
            return nil
        } catch {
            return error as? DeltaError
        }
    }

    func testWrongSourceIsRefusedBeforeTheOutputExists() throws {
        let folder = try Fixtures.temporaryDirectory()
        var other = pair.old
        other[123] ^= 1
        try Data(other).write(to: URL(fileURLWithPath: folder + "/other"))
        try Data(patch).write(to: URL(fileURLWithPath: folder + "/p.delta"))
        XCTAssertThrowsError(try DeltaFiles.apply(old: folder + "/other", patch: folder + "/p.delta", output: folder + "/out")) { error in
            guard case .wrongSource = error as? DeltaError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains(folder + "/other"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["other", "p.delta"])
    }

    func testTruncatedAndCorruptedPatches() {
        guard case .truncated = apply(Array(patch.prefix(100))) else { return XCTFail("header cut") }
        guard case .truncated = apply(Array(patch.dropLast(10))) else { return XCTFail("trailer cut") }
        var flipped = patch
        flipped[300] ^= 0x10
        XCTAssertEqual(apply(flipped), .patchDigestMismatch(patch: "p.delta"))
        XCTAssertEqual(apply(Array("hello, world, this is no patch at all".utf8) + [UInt8](repeating: 0, count: 200)), .notADelta(patch: "p.delta"))
    }

    func testResealedDamageInAStreamIsNamed() {
        var damaged = patch
        damaged[DeltaFormat.headerSize + DeltaFormat.chunkHeaderSize + 20] ^= 0xFF
        guard case let .corruptStream(_, offset, stream, _) = apply(DeltaFuzzer.reseal(damaged)) else {
            return XCTFail("\(String(describing: apply(DeltaFuzzer.reseal(damaged))))")
        }
        XCTAssertEqual(stream, "control")
        XCTAssertEqual(offset, UInt64(DeltaFormat.headerSize + DeltaFormat.chunkHeaderSize))
    }

    /// A hand-made chunk whose operation reads past the end of a 10-byte source.
    func testOperationOutsideTheSource() {
        let source = [UInt8](repeating: 1, count: 10)
        let control = ChunkWriter.controlColumns([DeltaOperation(sourceStart: 0, targetStart: 0, addLength: 20, insertLength: 0)])
        let patch = HandMadePatch.build(source: source, target: [UInt8](repeating: 1, count: 20), control: control,
                                        diff: [UInt8](repeating: 0, count: 20), extra: [])
        XCTAssertEqual(apply(patch, to: source),
                       .outsideSource(patch: "p.delta", offset: 112, position: 0, length: 20, sourceSize: 10))
    }

    /// A diff stream that does not give the operations' diff bytes names the diff stream.
    func testDiffStreamThatDoesNotAddUp() {
        let source = Array(UInt8(1)...10)
        let target = Array(source[0..<5])
        for (stream, reason) in [([UInt8(7), 0, 0], "unknown diff layout 7 (0 plain and 1 zero runs are defined)"),
                                 ([1, 1, 2, 2, 5, 5], "it gives 4 diff bytes where the operations add 5")] {
            let patch = HandMadePatch.build(source: source, target: target, control: [1, 5, 0, 0], diff: [], extra: [], diffStream: stream)
            guard case let .corruptStream(_, _, name, actual) = apply(patch, to: source) else {
                XCTFail("\(String(describing: apply(patch, to: source)))")
                continue
            }
            XCTAssertEqual(name, "diff")
            XCTAssertEqual(actual, reason)
        }
    }

    /// Control streams whose operation count or columns do not add up name the control stream.
    func testControlColumnsThatDoNotAddUp() {
        let source = Array(UInt8(1)...10)
        let target = Array(source[0..<5])
        func reason(_ control: [UInt8]) -> String? {
            let patch = HandMadePatch.build(source: source, target: target, control: control, diff: [0, 0, 0, 0, 0], extra: [])
            guard case let .corruptStream(_, offset, stream, reason) = apply(patch, to: source) else {
                XCTFail("\(String(describing: apply(patch, to: source)))")
                return nil
            }
            XCTAssertEqual(stream, "control")
            XCTAssertEqual(offset, 112)
            return reason
        }
        XCTAssertEqual(reason([0xC8, 0x01, 5, 0, 0]), "200 operations cannot fit in 5 control bytes")
        XCTAssertEqual(reason([1, 5, 0, 0, 7]), "1 bytes follow the last seek")
        XCTAssertEqual(reason([2, 5, 0, 0, 0, 0, 0x80]), "seek of operation 1 (of 2) is cut off or too long")
        XCTAssertEqual(reason([0x80]), "the operation count is cut off or too long")
        let valid = HandMadePatch.build(source: source, target: target, control: [1, 5, 0, 0], diff: [0, 0, 0, 0, 0], extra: [])
        XCTAssertNil(apply(valid, to: source))
    }

    func testSizesThatOverflowAreRefused() {
        var header = Array(patch.prefix(DeltaFormat.headerSize))
        for index in 104..<112 { header[index] = 0xFF }
        let hostile = DeltaFuzzer.reseal(header + Array(patch.dropFirst(DeltaFormat.headerSize)))
        guard case let .invalidField(_, offset, field, _) = apply(hostile) else { return XCTFail("\(String(describing: apply(hostile)))") }
        XCTAssertEqual(offset, 104)
        XCTAssertEqual(field, "window")
        var huge = Array(patch.prefix(DeltaFormat.headerSize))
        for index in 60..<68 { huge[index] = 0xFF }
        guard case .invalidField(_, 16, "size", _) = apply(DeltaFuzzer.reseal(huge + Array(patch.dropFirst(DeltaFormat.headerSize)))) else {
            return XCTFail("target size 2^64-1 accepted")
        }
    }

    /// A short fuzz run (the million-input run is `termflash bench fuzz-delta`).
    func testFuzzedPatchesOnlyEverFailWithDeltaErrors() throws {
        var fuzzer = DeltaFuzzer(seeds: try DeltaFuzzer.generatedSeeds(), seed: 99)
        let report = fuzzer.run(count: 3000)
        XCTAssertEqual(report.inputs, 3000)
        XCTAssertEqual(report.unexpected, [])
        XCTAssertGreaterThan(report.rejected["corrupt-stream", default: 0] + report.rejected["invalid-field", default: 0], 100,
                           "resealed mutations must reach the chunk parser: \(report)")
    }
}
