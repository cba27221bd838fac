import TermflashCore
@testable import TermflashDelta
import XCTest

/// The diff stream's two layouts give back the diff bytes exactly, and damaged run
/// tables are named instead of trusted.
final class DiffLayoutTests: XCTestCase {
    private func decode(_ stream: [UInt8], _ count: Int) -> Result<[UInt8], DiffLayoutFailure> {
        var copy = stream
        return DiffLayout.decode(&copy, expectedCount: count)
    }

    func testBothLayoutsRoundTrip() {
        var random = SplitMix64(seed: 21)
        let sparse = (0..<50_000).map { _ in random.next() % 9 == 0 ? UInt8(truncatingIfNeeded: random.next()) : 0 }
        let shapes: [[UInt8]] = [sparse, [0, 0, 0], [7, 8, 9], [0, 1, 0, 0, 2, 3, 0], [5], [0]]
        for diff in shapes {
            for layout in [DiffLayout.plain, .zeroRuns] {
                XCTAssertEqual(try decode(layout.encode(diff), diff.count).get(), diff, "\(layout) of \(diff.prefix(8))")
            }
        }
    }

    func testZeroRunColumnsLayout() {
        // runs: (2 zeros, 2 literals) (1 zero, 0 literals): count 2, zero runs [2, 1], literal runs [2, 0], literals.
        XCTAssertEqual(DiffLayout.zeroRuns.encode([0, 0, 5, 6, 0]), [1, 2, 2, 1, 2, 0, 5, 6])
        XCTAssertEqual(try decode([1, 2, 2, 1, 2, 0, 5, 6], 5).get(), [0, 0, 5, 6, 0])
    }

    func testDamagedStreamsAreNamed() {
        XCTAssertEqual(decode([], 4), .failure(.missingLayout))
        XCTAssertEqual(decode([9, 1, 2], 2), .failure(.unknownLayout(9)))
        XCTAssertEqual(decode([0, 1, 2], 3), .failure(.wrongLength(2, 3)))
        XCTAssertEqual(decode([1, 0x90, 0x4E, 0, 0], 5), .failure(.badRunCount))
        XCTAssertEqual(decode([1, 1, 9, 0], 5), .failure(.runTooLong(run: 0)))
        XCTAssertEqual(decode([1, 1, 2, 2, 5], 5), .failure(.wrongLength(4, 5)))
        XCTAssertEqual(decode([1, 1, 2, 3, 5, 6], 5), .failure(.literalCount(2, 3)))
        XCTAssertEqual(decode([1, 1, 0x80, 0x80], 5), .failure(.runTooLong(run: 0)))
    }
}
