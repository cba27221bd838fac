import TermflashCore
@testable import TermflashProtocols
import XCTest

/// DMSS DLOAD packets: big-endian fields, every NAK reason (PROTOCOLS.md B3).
final class DLoadCodecTests: XCTestCase {
    func testWrite32AndGoAreBigEndian() throws {
        let write = DLoadPacket.write32(address: 0x4180_0000, data: [0xAA, 0xBB])
        XCTAssertEqual(write.payload, [0x0F, 0x41, 0x80, 0x00, 0x00, 0x00, 0x02, 0xAA, 0xBB])
        XCTAssertEqual(try DLoadPacket.parse(write.payload), write)
        XCTAssertEqual(DLoadPacket.go(address: 0x4180_0000).payload, [0x05, 0x41, 0x80, 0x00, 0x00])
        XCTAssertEqual(DLoadPacket.nop.payload, [0x06])
        XCTAssertEqual(HDLCEncoder.frame(DLoadPacket.nop.payload, leadingFlag: true).first, 0x7E)
    }

    func testParameterReplyRoundTrips() throws {
        let parameters = DLoadParameters(version: 8, minimumVersion: 1, maxWriteSize: 0x0400, model: 0x90, deviceSize: 0, deviceType: 0)
        let bytes = DLoadPacket.parameters(parameters).payload
        XCTAssertEqual(bytes, [0x08, 8, 1, 0x04, 0x00, 0x90, 0, 0])
        XCTAssertEqual(try DLoadPacket.parse(bytes), .parameters(parameters))
    }

    func testEveryNAKReasonIsDecodedInWords() throws {
        var meanings = Set<String>()
        for code in UInt16(1)...0x0F {
            let packet = try DLoadPacket.parse([0x03, 0x00, UInt8(code)])
            guard case let .nak(reason) = packet else { return XCTFail("NAK \(code)") }
            XCTAssertEqual(reason.code, code)
            XCTAssertNotEqual(reason.meaning, "unknown reason", "reason \(code)")
            meanings.insert(reason.meaning)
        }
        XCTAssertEqual(meanings.count, 15, "each reason has its own words")
        XCTAssertEqual(DLoadNAKReason.badFCS.meaning.contains("CRC"), true)
        XCTAssertEqual(DLoadNAKReason(code: 0x77).meaning, "unknown reason")
    }

    func testTruncatedWriteThrowsInsteadOfReadingPastTheEnd() {
        XCTAssertThrowsError(try DLoadPacket.parse([0x0F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x01])) { error in
            XCTAssertTrue("\(error)".contains("DLOAD 0x0f"), "\(error)")
        }
    }
}
