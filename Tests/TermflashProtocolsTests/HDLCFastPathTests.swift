import TermflashCore
@testable import TermflashProtocols
import XCTest

/// The folded and eight-bytes-at-a-time checksum, the word-wise escape scan and the run-wise
/// decoder agree with simple byte-at-a-time reference implementations.
final class HDLCFastPathTests: XCTestCase {
    func testFoldedChecksumEqualsTheBitwiseReferenceAtEveryLengthAndRegister() {
        #if arch(x86_64)
        XCTAssertTrue(HDLCChecksum.canFold, "x86-64 CPUs have had carry-less multiplication since 2010")
        #endif
        var generator = SplitMix64(seed: 5)
        let bytes = (0..<1_100).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for length in 0..<bytes.count {
            let register = UInt16(truncatingIfNeeded: generator.next())
            let slice = Array(bytes[(length % 7)...].prefix(length))  // also at odd addresses
            let fast = slice.withUnsafeBytes { HDLCChecksum.update(register, $0) }
            XCTAssertEqual(fast, Self.bitwiseRegister(register, slice), "length \(length), register 0x\(String(register, radix: 16))")
            XCTAssertEqual(slice.withUnsafeBytes { HDLCChecksum.sliced(register, $0) }, fast, "length \(length)")
        }
    }

    func testFoldingConstantsAreThePowersOfXModuloThePolynomial() {
        XCTAssertEqual(HDLCChecksum.powerOfX(15), 0x8000)
        XCTAssertEqual(HDLCChecksum.powerOfX(16), 0x1021, "x^16 = x^12 + x^5 + 1")
        XCTAssertEqual(HDLCChecksum.powerOfX(17), 0x2042)
        XCTAssertEqual(HDLCChecksum.reflected64(0x0001), 1 << 63)
        XCTAssertEqual(HDLCChecksum.reflected64(0x8000), 1 << 48)
        XCTAssertEqual(HDLCChecksum.foldingConstants[7], HDLCChecksum.reflected64(HDLCChecksum.powerOfX(127)))
    }

    func testEveryEscapeByteAtEveryPositionOfAWordMatchesTheReference() throws {
        var generator = SplitMix64(seed: 17)
        for length in [1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 63, 64, 65, 130] {
            let clean = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) & 0x3F }
            for position in 0..<length {
                for special: UInt8 in [0x7E, 0x7D] {
                    var payload = clean
                    payload[position] = special
                    if position + 1 < length { payload[position + 1] = special ^ 0x03 }  // the other one right after
                    try assertMatchesReference(payload, "length \(length), 0x\(String(special, radix: 16)) at \(position)")
                }
            }
            var ending = clean
            ending[length - 1] = 0x7D
            try assertMatchesReference(ending, "length \(length), escape byte last")
        }
    }

    func testChecksumBytesThatNeedEscapingMatchTheReference() throws {
        var generator = SplitMix64(seed: 23)
        var found: Set<String> = []
        var tries = 0
        while found.count < 4, tries < 200_000 {
            tries += 1
            let payload = (0..<(tries % 40 + 1)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let crc = CRC16X25.checksum(payload)
            for (name, byte) in [("low", UInt8(crc & 0xFF)), ("high", UInt8(crc >> 8))] where byte == 0x7E || byte == 0x7D {
                found.insert("\(name) 0x\(String(byte, radix: 16))")
                try assertMatchesReference(payload, "CRC 0x\(String(crc, radix: 16))")
            }
        }
        XCTAssertEqual(found.count, 4, "found CRCs with \(found) only")
    }

    func testRandomPayloadsMatchTheReferenceWhateverTheirMix() throws {
        var generator = SplitMix64(seed: 31)
        for round in 0..<400 {
            let length = Int(generator.next() % 3_000)
            let specialEvery = [2, 5, 64, 1_000_000][round % 4]
            let payload = (0..<length).map { _ -> UInt8 in
                let value = generator.next()
                return value % UInt64(specialEvery) == 0 ? [0x7E, 0x7D][Int(value >> 32) & 1] : UInt8(truncatingIfNeeded: value >> 8)
            }
            try assertMatchesReference(payload, "round \(round), length \(length)")
        }
    }

    func testFramesIntoOneBufferAndAppendedEqualSeparateFrames() throws {
        var generator = SplitMix64(seed: 41)
        let payloads = (0..<30).map { index in (0..<(index * 37 % 700 + 1)).map { _ in UInt8(truncatingIfNeeded: generator.next() % 130) } }
        let separate = payloads.enumerated().flatMap { HDLCEncoder.frame($1, leadingFlag: $0 % 3 == 0) }
        var appended: [UInt8] = [0xAA]
        for (index, payload) in payloads.enumerated() {
            payload.withUnsafeBufferPointer { HDLCEncoder.append($0, leadingFlag: index % 3 == 0, to: &appended) }
        }
        XCTAssertEqual(appended, [0xAA] + separate)
        let room = payloads.reduce(0) { $0 + HDLCEncoder.maximumFramedCount(payloadCount: $1.count) }
        let buffer = [UInt8](unsafeUninitializedCapacity: room) { out, count in
            count = payloads.enumerated().reduce(0) { written, item in
                item.element.withUnsafeBufferPointer { HDLCEncoder.frame($0, leadingFlag: item.offset % 3 == 0, into: out.baseAddress! + written) } + written
            }
        }
        XCTAssertEqual(buffer, separate)
    }

    func testAStreamSplitAtEveryOffsetDecodesLikeTheReference() throws {
        var generator = SplitMix64(seed: 53)
        let payloads: [[UInt8]] = (0..<6).map { index in
            (0..<(index * 11 + 3)).map { _ in [0x7E, 0x7D, 0x5E, 0x5D, UInt8(truncatingIfNeeded: generator.next())][Int(generator.next() % 5)] }
        }
        let stream = payloads.enumerated().flatMap { Self.referenceFrame($1, leadingFlag: $0 % 2 == 1) }
        XCTAssertEqual(Self.referenceDecode(stream), payloads)
        for split in 0...stream.count {
            var decoder = HDLCDecoder()
            var frames: [[UInt8]] = []
            for part in [stream[..<split], stream[split...]] {
                decoder.feed(part)
                while let frame = try decoder.next() { frames.append(frame) }
            }
            XCTAssertEqual(frames, payloads, "split at \(split) of \(stream.count)")
        }
        for first in stride(from: 0, through: stream.count, by: 5) {
            for second in first...stream.count {
                var decoder = HDLCDecoder()
                var frames: [[UInt8]] = []
                for part in [stream[..<first], stream[first..<second], stream[second...]] {
                    decoder.feed(part)
                    while let frame = try decoder.next() { frames.append(frame) }
                }
                XCTAssertEqual(frames, payloads, "split at \(first) and \(second)")
            }
        }
    }

    // MARK: reference implementations, one byte at a time

    static func bitwiseRegister(_ register: UInt16, _ bytes: [UInt8]) -> UInt16 {
        var crc = register
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1 }
        }
        return crc
    }

    static func referenceFrame(_ payload: [UInt8], leadingFlag: Bool) -> [UInt8] {
        let crc = bitwiseRegister(0xFFFF, payload) ^ 0xFFFF
        var out: [UInt8] = leadingFlag ? [0x7E] : []
        for byte in payload + [UInt8(crc & 0xFF), UInt8(crc >> 8)] {
            if byte == 0x7E || byte == 0x7D { out += [0x7D, byte ^ 0x20] } else { out.append(byte) }
        }
        return out + [0x7E]
    }

    /// Payloads of the intact frames in `stream` (empty frames skipped).
    static func referenceDecode(_ stream: [UInt8]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var current: [UInt8] = []
        var escaping = false
        for byte in stream {
            if byte == 0x7E {
                if current.count >= 3, !escaping, bitwiseRegister(0xFFFF, current) == 0xF0B8 { frames.append(Array(current.dropLast(2))) }
                current = []
                escaping = false
            } else if escaping {
                current.append(byte ^ 0x20)
                escaping = false
            } else if byte == 0x7D {
                escaping = true
            } else {
                current.append(byte)
            }
        }
        return frames
    }

    private func assertMatchesReference(_ payload: [UInt8], _ context: String, line: UInt = #line) throws {
        for leadingFlag in [false, true] {
            let framed = HDLCEncoder.frame(payload, leadingFlag: leadingFlag)
            XCTAssertEqual(framed, Self.referenceFrame(payload, leadingFlag: leadingFlag), context, line: line)
            XCTAssertEqual(Self.referenceDecode(framed), [payload], context, line: line)
            var decoder = HDLCDecoder()
            decoder.feed(framed)
            XCTAssertEqual(try decoder.next(), payload, context, line: line)
            XCTAssertNil(try decoder.next(), context, line: line)
        }
    }

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
