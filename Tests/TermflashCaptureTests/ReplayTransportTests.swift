import TermflashCapture
import TermflashCore
import TermflashCrypto
import Foundation
import XCTest

/// Replay semantics: serve the device, check the host.
final class ReplayTransportTests: XCTestCase {
    private func dialogue(_ script: String) throws -> DeviceDialogue {
        try UMockDevScript.dialogue(parsing: Array(script.utf8), name: "t.script")
    }

    func testServesRepliesOnlyAfterTheHostSentWhatCameBefore() throws {
        let replay = ReplayTransport(try dialogue("w 0 ATI^M\nr 0 OK^M^J\n"))
        XCTAssertThrowsError(try replay.read(maxLength: 10, deadline: .after(milliseconds: 50))) { error in
            guard case TransportError.timedOut = error else { return XCTFail("\(error)") }
        }
        try replay.write(Array("AT".utf8), deadline: .never)
        try replay.write(Array("I\r".utf8), deadline: .never)
        XCTAssertEqual(try replay.read(maxLength: 2, deadline: .never), Array("OK".utf8))
        XCTAssertEqual(try replay.read(maxLength: 10, deadline: .never), Array("\r\n".utf8))
        XCTAssertTrue(replay.isFinished)
        XCTAssertNoThrow(try replay.verifyFinished())
    }

    func testAMismatchNamesRecordOffsetAndBytes() throws {
        let replay = ReplayTransport(try dialogue("# header\nw 0 AT+CGMR^M\n"))
        XCTAssertThrowsError(try replay.write(Array("AT+CGMI\r".utf8), deadline: .never)) { error in
            XCTAssertEqual(error as? TransportError, .replayDiverged(capture: "t.script", record: 2, offset: 6,
                                                                      expected: [0x52, 0x0D], actual: [0x49, 0x0D]))
            XCTAssertEqual("\(error)", "t.script: host diverged from record 2 at byte offset 6: expected 52 0d, got 49 0d")
        }
    }

    func testWritingWhenTheDeviceShouldSpeakAndStoppingEarlyAreDivergences() throws {
        let replay = ReplayTransport(try dialogue("w 0 A\nr 0 B\nw 0 C\n"))
        try replay.write([0x41], deadline: .never)
        XCTAssertThrowsError(try replay.write([0x43], deadline: .never)) { error in
            XCTAssertTrue("\(error)".contains("expected 3c 64 65"), "names '<device sends next>': \(error)")
        }
        XCTAssertThrowsError(try replay.verifyFinished()) { error in
            XCTAssertTrue("\(error)".contains("record 2"), "\(error)")
        }
    }

    func testHashedPayloadIsCheckedByDigest() throws {
        let firmware = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let digest = SHA256.hash(firmware).map { String(format: "%02x", $0) }.joined()
        let script = "# termflash-hashed-write termflash-sha256=\(digest);length=5000\nr 0 OK\n"
        let good = ReplayTransport(try dialogue(script))
        try good.write(Array(firmware.prefix(1000)), deadline: .never)
        try good.write(Array(firmware.dropFirst(1000)), deadline: .never)
        XCTAssertEqual(try good.read(maxLength: 2, deadline: .never), Array("OK".utf8))

        var tampered = firmware
        tampered[4321] ^= 1
        let bad = ReplayTransport(try dialogue(script))
        XCTAssertThrowsError(try bad.write(tampered, deadline: .never)) { error in
            XCTAssertTrue("\(error)".contains("record 1"), "\(error)")
        }
    }
}
