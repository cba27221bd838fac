import TermflashCore
import TermflashProtocols
import XCTest

/// HDLC framing as DIAG and DLOAD use it.
final class HDLCTests: XCTestCase {
    func testCRCCheckValues() {
        XCTAssertEqual(CRC16X25.checksum(Array("123456789".utf8)), 0x906E)
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    func testDIAGDownloadCommandFrameMatchesTheKnownBytes() {
        // DIAG_DLOAD_F (0x3A) as seen on ZTE MF823 and K3765-Z: 3A A1 6E 7E.
        XCTAssertEqual(HDLCEncoder.frame([0x3A]), [0x3A, 0xA1, 0x6E, 0x7E])
        XCTAssertEqual(HDLCEncoder.frame([0x3A], leadingFlag: true), [0x7E, 0x3A, 0xA1, 0x6E, 0x7E])
    }

    func testFlagAndEscapeBytesAreEscapedAndRestored() throws {
        let payload: [UInt8] = [0x7E, 0x7D, 0x00, 0x5E, 0x5D, 0x7E]
        let framed = HDLCEncoder.frame(payload)
        XCTAssertEqual(Array(framed.prefix(4)), [0x7D, 0x5E, 0x7D, 0x5D])
        XCTAssertEqual(framed.dropLast().filter { $0 == 0x7E }.count, 0, "no bare flag inside a frame")
        var decoder = HDLCDecoder()
        decoder.feed(framed)
        XCTAssertEqual(try decoder.next(), payload)
    }

    func testSameFramesWhetherFedByteByByteAtOnceOrSplitAtRandom() throws {
        var generator = SystemRandomNumberGenerator()
        let payloads: [[UInt8]] = (0..<40).map { index in (0..<(index * 7 % 300 + 1)).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        let stream = payloads.enumerated().flatMap { HDLCEncoder.frame($1, leadingFlag: $0 % 2 == 0) }
        XCTAssertEqual(try decodeAll(stream, chunks: [stream.count]), payloads)
        XCTAssertEqual(try decodeAll(stream, chunks: Array(repeating: 1, count: stream.count)), payloads)
        for _ in 0..<20 {
            var chunks: [Int] = []
            var left = stream.count
            while left > 0 {
                let size = Int.random(in: 1...min(left, 97), using: &generator)
                chunks.append(size)
                left -= size
            }
            XCTAssertEqual(try decodeAll(stream, chunks: chunks), payloads)
        }
    }

    func testBadCRCNamesExpectedAndActualAndDecodingGoesOn() throws {
        var frame = HDLCEncoder.frame([0x00, 0x01, 0x02])
        frame[3] ^= 0xFF  // low byte of the CRC
        var decoder = HDLCDecoder()
        decoder.feed(frame + HDLCEncoder.frame([0x0C]))
        let expected = CRC16X25.checksum([0x00, 0x01, 0x02])
        XCTAssertThrowsError(try decoder.next()) { error in
            XCTAssertEqual(error as? HDLCError, .badCRC(expected: expected, actual: expected ^ 0x00FF, payloadLength: 3))
            XCTAssertTrue("\(error)".contains("expected 0x\(String(expected, radix: 16))"), "\(error)")
        }
        XCTAssertEqual(try decoder.next(), [0x0C], "the next frame decodes after a bad one")
    }

    func testGarbageAndPartialFramesResynchronise() throws {
        var decoder = HDLCDecoder()
        decoder.feed([0x41, 0x54, 0x0D, 0x7E])  // text before the first flag: one bad frame
        XCTAssertThrowsError(try decoder.next())
        decoder.feed([0x7E, 0x7E])  // empty frames between flags are ignored
        decoder.feed(HDLCEncoder.frame([0x4B, 0x65, 0x01, 0x00]))
        XCTAssertEqual(try decoder.next(), [0x4B, 0x65, 0x01, 0x00])
        XCTAssertNil(try decoder.next())
        decoder.feed(Array(HDLCEncoder.frame([0x01, 0x02]).dropLast()))
        XCTAssertNil(try decoder.next(), "a partial frame waits for its flag")
        decoder.feed([0x7E])
        XCTAssertEqual(try decoder.next(), [0x01, 0x02])
    }

    func testOversizedGarbageIsDroppedAndReported() throws {
        var decoder = HDLCDecoder(limit: 64)
        decoder.feed([UInt8](repeating: 0x55, count: 100))
        XCTAssertThrowsError(try decoder.next()) { XCTAssertEqual($0 as? HDLCError, .oversized(limit: 64)) }
        decoder.feed([0x55, 0x7E] + HDLCEncoder.frame([0x00]))
        XCTAssertEqual(try decoder.next(), [0x00], "the tail of the dropped frame is skipped")
    }

    func testTooShortAndDanglingEscape() {
        var decoder = HDLCDecoder()
        decoder.feed([0x01, 0x7E])
        XCTAssertThrowsError(try decoder.next()) { XCTAssertEqual($0 as? HDLCError, .tooShort(length: 1)) }
        decoder.feed([0x01, 0x02, 0x03, 0x7D, 0x7E])
        XCTAssertThrowsError(try decoder.next()) { XCTAssertEqual($0 as? HDLCError, .danglingEscape) }
    }

    private func decodeAll(_ stream: [UInt8], chunks: [Int]) throws -> [[UInt8]] {
        var decoder = HDLCDecoder()
        var frames: [[UInt8]] = []
        var offset = 0
        for size in chunks {
            decoder.feed(stream[offset..<(offset + size)])
            offset += size
            while let frame = try decoder.next() { frames.append(frame) }
        }
        return frames
    }
}
