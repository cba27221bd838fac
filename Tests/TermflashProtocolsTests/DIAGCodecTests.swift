import TermflashCore
@testable import TermflashProtocols
import XCTest

/// DIAG requests and replies, byte for byte (PROTOCOLS.md B4).
final class DIAGCodecTests: XCTestCase {
    func testRequestBytesFollowTheLayouts() {
        XCTAssertEqual(DIAGRequest.versionInfo.payload, [0x00])
        XCTAssertEqual(DIAGRequest.extendedBuildID.payload, [0x7C])
        XCTAssertEqual(DIAGRequest.switchToDownload.payload, [0x3A])
        XCTAssertEqual(DIAGRequest.switchToEmergencyDownload.payload, [0x4B, 0x65, 0x01, 0x00])
        XCTAssertEqual(DIAGRequest.spc("000000").payload, [0x41] + Array("000000".utf8))
        let nvRead = DIAGRequest.nvRead(item: 550).payload
        XCTAssertEqual(nvRead.count, 133, "cmd + item + 128 data + status")
        XCTAssertEqual(Array(nvRead.prefix(3)), [0x26, 0x26, 0x02], "item 550 = 0x0226, little-endian")
        let indexed = DIAGRequest.indexedNVRead(item: 0x1234, index: 2).payload
        XCTAssertEqual(Array(indexed.prefix(8)), [0x4B, 0x30, 0x01, 0x00, 0x34, 0x12, 0x02, 0x00])
        XCTAssertEqual(HDLCEncoder.frame(DIAGRequest.switchToDownload.payload), [0x3A, 0xA1, 0x6E, 0x7E])
    }

    func testEveryRequestParsesBackToItself() {
        let requests: [DIAGRequest] = [.versionInfo, .diagVersion, .extendedBuildID, .nvRead(item: 10),
                                       .nvWrite(item: 441, data: DIAGRequest.padded([1, 2, 3])), .indexedNVRead(item: 7, index: 3),
                                       .spc("123456"), .switchToDownload, .switchToEmergencyDownload]
        for request in requests { XCTAssertEqual(DIAGRequest.parse(request.payload), request, request.name) }
        XCTAssertNil(DIAGRequest.parse([0x99]), "unknown commands are not guessed")
    }

    func testVersionInfoAndBuildIDRoundTrip() throws {
        let info = DIAGVersionInfo(compileDate: "Jun 12 2014", compileTime: "10:11:12", releaseDate: "Jun 12 2014",
                                   releaseTime: "10:11:12", versionDirectory: "MF823V1", model: 0xB4, firmwareRevision: 0x0102,
                                   hardwareMajor: 1, hardwareMinor: 3)
        XCTAssertEqual(info.payload.count, DIAGVersionInfo.length)
        XCTAssertEqual(try DIAGResponse.parse(info.payload), .versionInfo(info))
        let build = DIAGExtendedBuildID(msmHardwareVersion: 0x0800_E1E1, mobileModelID: 0x1234,
                                        buildID: "MPSS.DI.2.0.1-00123-M9615", modelString: "MF823")
        let bytes = build.payload
        XCTAssertEqual(Array(bytes[4..<8]), [0xE1, 0xE1, 0x00, 0x08], "hardware version little-endian after 4 header bytes")
        XCTAssertEqual(try DIAGResponse.parse(bytes), .extendedBuildID(build))
    }

    func testShortRepliesThrowNamingTheCommandAndSizes() {
        XCTAssertThrowsError(try DIAGResponse.parse([0x00, 0x41, 0x42])) { error in
            XCTAssertEqual(error as? DIAGError, .truncated(command: "VERSION-INFO", needed: 55, got: 3))
            XCTAssertTrue("\(error)".contains("needs 55"), "\(error)")
        }
        XCTAssertThrowsError(try DIAGResponse.parse([0x26, 0x26, 0x02]))
        XCTAssertThrowsError(try DIAGResponse.parse([])) 
    }

    func testErrorRepliesAreDecodedWithTheirMeaning() throws {
        for (code, words) in [(0x13, "does not know"), (0x14, "parameter"), (0x15, "length"), (0x18, "mode"),
                              (0x42, "SPC"), (0x47, "password")] as [(UInt8, String)] {
            let response = try DIAGResponse.parse([code, 0x26, 0x26, 0x02])
            guard case let .error(reply) = response else { return XCTFail("0x\(code) is an error reply") }
            XCTAssertEqual(reply.request.first, 0x26)
            XCTAssertTrue(reply.description.contains(words), reply.description)
            XCTAssertTrue(reply.description.contains("command 0x26"), reply.description)
        }
    }

    func testNVRepliesCarryItemDataAndStatus() throws {
        let reply = NVItemReply(item: 550, data: [0x08, 0x3A, 0x85], status: .ok)
        XCTAssertEqual(reply.payload.count, 133)
        guard case let .nvItem(decoded) = try DIAGResponse.parse(reply.payload) else { return XCTFail("NV reply") }
        XCTAssertEqual(decoded.item, 550)
        XCTAssertEqual(Array(decoded.data.prefix(3)), [0x08, 0x3A, 0x85])
        XCTAssertEqual(decoded.status, .ok)
        let indexed = NVItemReply(item: 6, index: 1, data: [9], status: .inactive)
        guard case let .nvItem(decodedIndexed) = try DIAGResponse.parse(indexed.payload) else { return XCTFail("indexed reply") }
        XCTAssertEqual(decodedIndexed.index, 1)
        XCTAssertEqual(decodedIndexed.status, .inactive)
    }
}
