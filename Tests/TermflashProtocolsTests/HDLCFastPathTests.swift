import TermflashCore
@testable import TermflashProtocols
import XCTest

/// The eight-bytes-at-a-time checksum and escape scan agree with the byte-at-a-time ones.
final class HDLCFastPathTests: XCTestCase {
    func testSlicedChecksumEqualsTheReferenceAtEveryLength() {
        var generator = SplitMix64(seed: 99)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let sliced = bytes.withUnsafeBytes { HDLCChecksum.update(0xFFFF, $0) } ^ 0xFFFF
            XCTAssertEqual(sliced, CRC16X25.checksum(bytes), "length \(length)")
        }
    }

    func testPayloadsFullOfFlagsAndEscapesRoundTripAtEveryAlignment() throws {
        for length in 1..<70 {
            for offset in 0..<4 {
                let payload = (0..<length).map { UInt8(0x7C + ($0 + offset) % 4) }
                let framed = HDLCEncoder.frame(payload)
                XCTAssertEqual(framed.dropLast().filter { $0 == 0x7E }.count, 0, "no bare flag inside, length \(length)")
                XCTAssertEqual(framed.count, 1 + length + payload.filter { $0 == 0x7E || $0 == 0x7D }.count + 2
                               + [CRC16X25.checksum(payload) & 0xFF, CRC16X25.checksum(payload) >> 8].filter { $0 == 0x7E || $0 == 0x7D }.count)
                var decoder = HDLCDecoder()
                decoder.feed(framed)
                XCTAssertEqual(try decoder.next(), payload, "length \(length) offset \(offset)")
            }
        }
    }

    func testAnEscapeJustBeforeTheFlagIsReported() {
        var decoder = HDLCDecoder()
        decoder.feed([0x01, 0x02, 0x03, 0x7D, 0x7E])
        XCTAssertThrowsError(try decoder.next()) { XCTAssertEqual($0 as? HDLCError, .danglingEscape) }
    }
}
