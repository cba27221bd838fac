import Foundation
import TestSupport
import XCTest

/// The HDLC captures under `Captures/hdlc/` replayed through the commands that made them,
/// and decoded by `capture show`.
final class HDLCReplayTests: CLITestCase {
    private var fixtures: String { Fixtures.repositoryRoot + "/Tests/Fixtures/hdlc" }

    private func flashArguments(image: String) -> [String] {
        ["flash", "--backend", "streaming-dload", "--port", "/dev/ttyUSB0", "--replay", Fixtures.path("hdlc/mf825-streaming-dload-flash.script"),
         "--programmer", fixtures + "/NPRG-test.bin", "--allow-unsigned", image, "--partition", "APPS"]
    }

    func testTheRecordedNANDFlashReplays() throws {
        let result = try run(on: nil, flashArguments(image: fixtures + "/apps-8k.bin"))
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("SUCCESS"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("verified by read-back"), result.standardOutput)
    }

    func testAnImageThatDiffersFromTheRecordingIsCaught() throws {
        var image = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures + "/apps-8k.bin")))
        image[5000] ^= 0xFF
        let path = workingDirectory + "/apps-changed.bin"
        try Data(image).write(to: URL(fileURLWithPath: path))
        let result = try run(on: nil, flashArguments(image: path))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.standardError.contains("diverged"), result.standardError)
    }

    func testTheRecordedNVReadReplays() throws {
        let result = try run(on: nil, ["nv", "read", "946", "--port", "/dev/ttyUSB0", "--replay", Fixtures.path("hdlc/mf823-diag-nv-read.script")])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("0000  00 00 80 00"), result.standardOutput)
    }

    func testCaptureShowDecodesDIAGDLOADAndStreamingDLOAD() throws {
        let flash = try run(on: nil, ["capture", "show", Fixtures.path("hdlc/mf825-streaming-dload-flash.script")])
        XCTAssertEqual(flash.status, 0, flash.standardError)
        let lines = flash.standardOutput.split(separator: "\n").map(String.init)
        for expected in ["OUT dload NOP", "IN dload PARAMS cmd=0x08 length=8 max-write=1017", "OUT dload WRITE32 cmd=0x0f length=1024 addr=0x41700000 bytes=1017",
                         "OUT dload GO cmd=0x05 length=5 addr=0x41700000", "IN streaming-dload HELLO-REPLY", "window=8 block=1024",
                         "OUT streaming-dload OPEN-MULTI-IMAGE cmd=0x1b length=9 type=0x0e name=0:APPS",
                         "OUT streaming-dload STREAM-WRITE cmd=0x07 length=1029 addr=0x00001c00 bytes=1024",
                         "IN streaming-dload STREAM-WRITE-REPLY cmd=0x08 length=5 addr=0x00001c00", "OUT streaming-dload RESET"] {
            XCTAssertTrue(lines.contains { $0.contains(expected) }, "\(expected) in:\n\(flash.standardOutput)")
        }
        XCTAssertEqual(lines.filter { $0.contains("OUT streaming-dload STREAM-WRITE ") }.count, 8, "8 KiB in 1 KiB writes")
        let nv = try run(on: nil, ["capture", "show", Fixtures.path("hdlc/mf823-diag-nv-read.script")])
        XCTAssertTrue(nv.standardOutput.contains("OUT diag NV-READ cmd=0x26 length=133 item=946"), nv.standardOutput)
        XCTAssertTrue(nv.standardOutput.contains("IN diag NV-READ-REPLY cmd=0x26 length=133 item=946 status=ok"), nv.standardOutput)
    }
}

/// Without `--port`, the streaming-dload backend finds the unit in download mode on the bus
/// (umockdev: the MF823 as 19d2:0076) and talks through its bulk endpoints; the dialogue is
/// the recorded one.
final class HDLCBulkSelectionTests: CLITestCase {
    func testTheDownloadModeUnitIsFoundOnTheBusAndTheRecordingReplays() throws {
        let fixtures = Fixtures.repositoryRoot + "/Tests/Fixtures/hdlc"
        let result = try run(on: "mf823-download.umockdev", [
            "flash", "--backend", "streaming-dload", "--replay", Fixtures.path("hdlc/mf825-streaming-dload-flash.script"),
            "--programmer", fixtures + "/NPRG-test.bin", "--allow-unsigned", fixtures + "/apps-8k.bin", "--partition", "APPS", "-v"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardError.contains("bulk endpoints of interface 0 of"), result.standardError)
        XCTAssertTrue(result.standardOutput.contains("SUCCESS"), result.standardOutput)
    }
}
