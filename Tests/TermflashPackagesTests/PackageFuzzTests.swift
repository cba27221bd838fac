@testable import TermflashPackages
import TermflashCrypto
import XCTest

final class PackageFuzzTests: XCTestCase {
    func testSeedsAreValidSoMutationsStartFromRealInputs() throws {
        let fuzzer = try PackageFuzzer(seed: 1)
        let key = try Ed25519.PrivateKey(rawBytes: (0..<32).map { UInt8($0 &* 7 &+ 1) })
        for (kind, seed) in try FuzzSeeds.make(key: key) {
            XCTAssertNil(fuzzer.read(seed, kind: kind), "seed of kind \(kind) is refused")
        }
    }

    /// A short run in the suite; `termflash bench fuzz-packages` runs a million.
    func testFiveThousandMutatedInputsEndInAResultOrATypedRefusal() throws {
        var fuzzer = try PackageFuzzer(seed: 0xF00D)
        let report = fuzzer.run(count: 5_000)
        XCTAssertEqual(report.inputs, 5_000)
        XCTAssertGreaterThan(report.refused, 2_000, "\(report)")
        XCTAssertGreaterThan(report.accepted, 20, "some mutations (appended zero blocks, edits of unsigned seeds) stay valid: \(report)")
        XCTAssertGreaterThan(report.reasons.count, 10, "refusals reach many different rules: \(report)")
    }
}
