import Foundation
import TermflashCapture
import TermflashCore
import TermflashHardware
import TermflashProtocols
import TestSupport
import XCTest

/// Record an AT dialogue on a real tty (a pty), then replay the script through umockdev's
/// scripted tty (termios again) and through the in-process replay transport.
final class RecordReplaySerialTests: XCTestCase {
    private let answer = "\r\nexit download mode result(0:FAIL 1:SUCCESS):1\r\n\r\nOK\r\n"

    private func recordSession(into script: String) throws -> ATResponse {
        let pty = try PseudoTerminal()
        let modem = DispatchQueue(label: "modem")
        modem.async {
            var line: [UInt8] = []
            while !line.contains(0x0D) { line += pty.read(max: 64) }
            pty.writeAll(Array(self.answer.utf8))
        }
        let port = try SerialTransport(node: pty.slavePath)
        let recording = RecordingTransport(wrapping: port, into: .script(try ScriptCaptureWriter(path: script)))
        defer { recording.close() }
        return try ATSession(transport: recording).run("AT+ZCDRUN=8+AT+ZCDRUN=F")
    }

    func testARecordedScriptReplaysThroughUMockDevAndInProcess() throws {
        let folder = try Fixtures.temporaryDirectory()
        let script = "\(folder)/zcdrun.script"
        let live = try recordSession(into: script)
        XCTAssertEqual(live.final, "OK")
        let text = try String(contentsOfFile: script, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("w "), text)
        XCTAssertTrue(text.contains("AT+ZCDRUN=8+AT+ZCDRUN=F^M"), text)

        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-diag.umockdev")
        try testbed.loadScript(node: "/dev/ttyUSB2", file: script)
        let port = try SerialTransport(node: "/dev/ttyUSB2")
        XCTAssertEqual(try ATSession(transport: port).run("AT+ZCDRUN=8+AT+ZCDRUN=F"), live, "umockdev replays the script")
        port.close()

        let replay = ReplayTransport(try CaptureSource.dialogue(contentsOf: script), packetSize: 1)
        XCTAssertEqual(try ATSession(transport: replay).run("AT+ZCDRUN=8+AT+ZCDRUN=F"), live)
        XCTAssertNoThrow(try replay.verifyFinished())
    }

    func testCommittedTranscriptReplaysThroughUMockDev() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-diag.umockdev")
        try testbed.loadScript(node: "/dev/ttyUSB2", file: Fixtures.path("at/mf823-zcdrun.script"))
        let port = try SerialTransport(node: "/dev/ttyUSB2")
        defer { port.close() }
        let response = try ATSession(transport: port).run("AT+ZCDRUN=8+AT+ZCDRUN=F")
        XCTAssertEqual(response, ATResponse(lines: ["exit download mode result(0:FAIL 1:SUCCESS):1"], final: "OK"))
    }
}
