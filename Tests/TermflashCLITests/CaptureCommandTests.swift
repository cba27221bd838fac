import Foundation
import TestSupport
import XCTest

/// `termflash capture show`, `--record` and `--replay` end to end.
final class CaptureCommandTests: CLITestCase {
    func testShowDecodesAnATTranscript() throws {
        let result = try run(on: nil, ["capture", "show", Fixtures.path("at/mf823-zcdrun.script")])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutput.split(separator: "\n").map(String.init), [
            "0.000000 OUT at AT+ZCDRUN=8+AT+ZCDRUN=F",
            "0.040000 IN at AT+ZCDRUN=8+AT+ZCDRUN=F",
            "0.040000 IN at exit download mode result(0:FAIL 1:SUCCESS):1",
            "0.040000 IN at OK result=ok",
        ])
    }

    func testShowDecodesHDLCFramesAndUSBCapturesAsJSON() throws {
        let hdlc = try run(on: nil, ["capture", "show", Fixtures.path("hdlc/mf823-diag-dload.script")])
        XCTAssertEqual(hdlc.status, 0, hdlc.standardError)
        XCTAssertTrue(hdlc.standardOutput.hasPrefix("0.000000 OUT diag DLOAD cmd=0x3a length=1"), hdlc.standardOutput)
        let usb = try json(run(on: nil, ["capture", "show", "--protocol", "raw", "--json",
                                         Fixtures.path("usb/edl-9008-firehose-nop.pcapng")])) as? [[String: Any]]
        XCTAssertEqual(usb?.map { $0["direction"] as? String }, ["OUT", "IN"])
        XCTAssertEqual(usb?.first?["record"] as? Int, 1)
        XCTAssertEqual(usb?.last?["record"] as? Int, 4)
    }

    func testShowNamesTheOffsetOfADamagedCapture() throws {
        let folder = try Fixtures.temporaryDirectory()
        let original = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("usb/edl-9008-firehose-nop.pcapng")))
        let cut = "\(folder)/cut.pcapng"
        try original.prefix(100).write(to: URL(fileURLWithPath: cut))
        let result = try run(on: nil, ["capture", "show", cut])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains("block at byte offset 48"), result.standardError)
        XCTAssertTrue(result.standardError.contains("hint:"), result.standardError)
    }

    func testATReplaysATranscriptAndRefusesADifferentCommand() throws {
        let transcript = Fixtures.path("at/mf823-zcdrun.script")
        let good = try run(on: nil, ["at", "--replay", transcript, "AT+ZCDRUN=8+AT+ZCDRUN=F"])
        XCTAssertEqual(good.status, 0, good.standardError)
        XCTAssertEqual(good.standardOutput, "AT+ZCDRUN=8+AT+ZCDRUN=F\n  exit download mode result(0:FAIL 1:SUCCESS):1\n  OK\n")
        let bad = try run(on: nil, ["at", "--replay", transcript, "AT+ZCDRUN=9"])
        XCTAssertEqual(bad.status, 76)
        XCTAssertTrue(bad.standardError.contains("host diverged from record 3 at byte offset 10"), bad.standardError)
    }

    func testATRecordsAScriptThatReplays() throws {
        let folder = try Fixtures.temporaryDirectory()
        let pty = try PseudoTerminal()
        DispatchQueue.global().async {
            var line: [UInt8] = []
            while !line.contains(0x0D) { line += pty.read(max: 64) }
            pty.writeAll(Array("\r\nModel: MF823\r\n\r\nOK\r\n".utf8))
        }
        let script = "\(folder)/ati.script"
        let live = try run(on: nil, ["at", "--port", pty.slavePath, "--record", script, "ATI"])
        XCTAssertEqual(live.status, 0, live.standardError)
        let replayed = try run(on: nil, ["at", "--replay", script, "ATI"])
        XCTAssertEqual(replayed.standardOutput, live.standardOutput)
        XCTAssertEqual(replayed.status, 0, replayed.standardError)
    }
}

/// The same transcript served by `umockdev-run -s` to the real termios code of the CLI.
final class UMockDevRunScriptTests: CLITestCase {
    func testATOnAScriptedTTYUnderUMockDevRun() throws {
        let umockdevRun = try XCTUnwrap(which("umockdev-run"))
        let result = try runProcess(umockdevRun, [
            "-d", Fixtures.path("umockdev/mf823-diag.umockdev"),
            "-s", "/dev/ttyUSB2=" + Fixtures.path("at/mf823-zcdrun.script"),
            "--", termflash, "at", "--port", "/dev/ttyUSB2", "AT+ZCDRUN=8+AT+ZCDRUN=F",
        ])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutput, "AT+ZCDRUN=8+AT+ZCDRUN=F\n  exit download mode result(0:FAIL 1:SUCCESS):1\n  OK\n")
    }

    func testATFindsTheATPortFromTheProfile() throws {
        let umockdevRun = try XCTUnwrap(which("umockdev-run"))
        let result = try runProcess(umockdevRun, [
            "-d", Fixtures.path("umockdev/mf823-diag.umockdev"),
            "-s", "/dev/ttyUSB2=" + Fixtures.path("at/mf823-zcdrun.script"),
            "--", termflash, "at", "--path", "1-1", "AT+ZCDRUN=8+AT+ZCDRUN=F",
        ], environment: ["TERMFLASH_PROFILES": Fixtures.repositoryRoot + "/DeviceProfiles"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.hasSuffix("  OK\n"), result.standardOutput)
    }
}
