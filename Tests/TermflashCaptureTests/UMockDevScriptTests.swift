import TermflashCapture
import XCTest

/// The umockdev script format.
final class UMockDevScriptTests: XCTestCase {
    func testEveryByteValueSurvivesEscaping() {
        let all = (0...255).map { UInt8($0) }
        let escaped = UMockDevScript.escape(all)
        XCTAssertFalse(escaped.contains(0x0A), "a data block stays on one line")
        XCTAssertEqual(UMockDevScript.unescape(escaped[...]), all)
        XCTAssertEqual(String(decoding: UMockDevScript.escape(Array("AT^\r\n".utf8)), as: UTF8.self), "AT^`^M^J")
    }

    func testParsesReadsWritesCommentsAndStops() throws {
        let script = "# a comment\nf 0 -\nw 0 ATI^M\nr 12 ^M^JOK^M^J\nQ 0 -\nw 0 never\n"
        let dialogue = try UMockDevScript.dialogue(parsing: Array(script.utf8), name: "s.script")
        XCTAssertEqual(dialogue.steps.map(\.direction), [.hostToDevice, .deviceToHost])
        XCTAssertEqual(dialogue.steps.map(\.record), [3, 4])
        XCTAssertEqual(dialogue.steps[1].timestampMicroseconds, 12_000)
        guard case let .bytes(reply) = dialogue.steps[1].payload else { return XCTFail() }
        XCTAssertEqual(Array(reply), Array("\r\nOK\r\n".utf8))
    }

    func testMalformedLinesNameTheLine() {
        let cases = ["x 0 data": "unknown operation 'x'", "r abc data": "expected 'r <milliseconds> <data>'",
                     "w 0 bad^": "invalid '^' escape"]
        for (line, message) in cases {
            XCTAssertThrowsError(try UMockDevScript.dialogue(parsing: Array("w 0 ok\n\(line)\n".utf8), name: "m.script")) { error in
                XCTAssertTrue("\(error)".hasPrefix("m.script:2: \(message)"), "\(error)")
            }
        }
    }
}
