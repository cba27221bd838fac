import Foundation
import TermflashCapture
import TestSupport
import XCTest

/// A seeded mutation loop over the shipped captures (the benchmark runs a million).
final class CaptureFuzzTests: XCTestCase {
    func testMutatedCapturesAndScriptsNeverCrashOrHang() throws {
        let seeds = try ["usb/edl-9008-firehose-nop.pcapng", "at/mf823-zcdrun.script", "hdlc/mf823-diag-dload.script"]
            .map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path($0)))) }
        var fuzzer = CaptureFuzzer(seeds: seeds, seed: 2026)
        let report = fuzzer.run(count: 30_000)
        XCTAssertEqual(report.inputs, 30_000)
        XCTAssertGreaterThan(report.rejected, 1000, "mutations must reach the error paths: \(report)")
        XCTAssertGreaterThan(report.parsed, 1000, "and the decoders: \(report)")
    }
}
