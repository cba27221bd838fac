import Foundation
import TestSupport
import XCTest

/// `termflash capture show` on the recorded U-Boot console sessions (`Captures/uboot/`).
final class UBootCaptureShowTests: CLITestCase {
    func testShowsAYModemUploadWithItsHeaderAndTheLateStartRequest() throws {
        let lines = try show("uboot/qemu-virt-ymodem-flash.script")
        let start = try XCTUnwrap(lines.firstIndex(of: "1.098000 OUT uboot loady 0x40200000"), lines.joined(separator: "\n"))
        XCTAssertEqual(Array(lines[start..<(start + 20)]), [
            "1.098000 OUT uboot loady 0x40200000",
            "1.104000 IN uboot loady 0x40200000",
            "1.104000 IN uboot ## Ready for binary (ymodem) download to 0x40200000 at 115200 bps...",
            "1.104000 IN uboot C request=crc",
            "1.104000 OUT uboot HEADER file=image.bin size=3072",
            "1.119000 IN uboot ACK for=header",
            "5.371000 IN uboot C request=crc",
            "5.371000 OUT uboot BLOCK n=1 offset=0 length=1024 check=crc-ok",
            "5.431000 IN uboot ACK for=block-1",
            "5.431000 OUT uboot BLOCK n=2 offset=1024 length=1024 check=crc-ok",
            "5.466000 IN uboot ACK for=block-2",
            "5.466000 OUT uboot BLOCK n=3 offset=2048 length=1024 check=crc-ok",
            "5.503000 IN uboot ACK for=block-3",
            "5.503000 OUT uboot EOT",
            "5.503000 IN uboot ACK for=eot",
            "5.503000 IN uboot ACK for=eot",
            "5.503000 IN uboot C request=crc",
            "5.503000 OUT uboot BATCH-END",
            "5.508000 IN uboot ACK for=batch-end",
            "5.508000 IN uboot TRANSFER-END protocol=ymodem blocks=3 bytes=3072 naks=0 cancelled=false",
        ])
        XCTAssertEqual(lines[start + 20], "5.756000 IN uboot ## Total Size      = 0x00000c00 = 3072 Bytes")
        XCTAssertTrue(lines.contains("0.175000 IN uboot Flash: 64 MiB"), "a line split across reads is joined")
    }

    func testShowsHashedXModemBlocksWithInferredNumbersAndTheDigestProbe() throws {
        let lines = try show("uboot/qemu-virt-flash.script")
        for expected in [
            "0.812000 OUT uboot help sha1sum",
            "0.820000 IN uboot Unknown command 'sha1sum' - try 'help' without arguments for list of all known commands result=error",
            "0.827000 OUT uboot loadx 0x40200000",
            "0.845000 IN uboot ## Ready for binary (xmodem) download to 0x40200000 at 115200 bps...",
            "0.845000 IN uboot C request=crc",
            "0.845000 OUT uboot BLOCK n=1 offset=0 length=1024 check=not-recorded sha256=5ca7ab1aa509c863",
            "0.890000 IN uboot ACK for=block-1",
            "0.890000 OUT uboot BLOCK n=2 offset=1024 length=1024 check=not-recorded sha256=dbf4b83aa305118a",
            "3.027000 OUT uboot EOT",
            "3.035000 IN uboot TRANSFER-END protocol=xmodem blocks=32 bytes=32768 naks=0 cancelled=false",
            "3.281000 IN uboot ## Total Size      = 0x00008000 = 32768 Bytes",
            "3.339000 IN uboot crc32 for 40208000 ... 4020ffff ==> 7496504b",
            "3.949000 IN uboot TRANSFER-END protocol=xmodem blocks=8 bytes=8192 naks=0 cancelled=false",
            "4.293000 OUT uboot reset",
        ] {
            XCTAssertTrue(lines.contains(expected), "missing '\(expected)'")
        }
        XCTAssertEqual(lines.filter { $0.contains(" OUT uboot BLOCK ") }.count, 40)
        XCTAssertEqual(lines.filter { $0.contains(" IN uboot ACK for=block-") }.count, 40)
    }

    func testShowsTheMemoryDumpOfABackup() throws {
        let lines = try show("uboot/qemu-virt-unlock-art.script")
        let start = try XCTUnwrap(lines.firstIndex(of: "1.074000 OUT uboot md.b 0x40200000 0x1000"))
        XCTAssertEqual(Array(lines[(start + 1)...(start + 3)]), [
            "1.084000 IN uboot md.b 0x40200000 0x1000",
            "1.091000 IN uboot 40200000: 03 0a 11 18 1f 26 2d 34 3b 42 49 50 57 5e 65 6c  .....&-4;BIPW^el",
            "1.091000 IN uboot 40200010: 73 7a 81 88 8f 96 9d a4 ab b2 b9 c0 c7 ce d5 dc  sz..............",
        ])
        XCTAssertTrue(lines.contains("1.272000 IN uboot crc32 for 40200000 ... 40200fff ==> 5e4e1995"))
    }

    func testYModemSessionReplaysAgainstTheFixtureProfile() throws {
        let image = workingDirectory + "/small.bin"
        try Data(uBootTestImage(3000)).write(to: URL(fileURLWithPath: image))
        let result = try run(on: nil, ["flash", "--profiles", Fixtures.repositoryRoot + "/Tests/Fixtures/profiles", "--profile", "qemu-virt-ymodem",
                                       "--port", "/dev/ttyUSB0", "--partition", "firmware", image, "--allow-unsigned",
                                       "--replay", Fixtures.path("uboot/qemu-virt-ymodem-flash.script")])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("verified by device crc32"), result.standardOutput)
    }

    private func show(_ capture: String) throws -> [String] {
        let result = try run(on: nil, ["capture", "show", Fixtures.path(capture)])
        XCTAssertEqual(result.status, 0, result.standardError)
        return result.standardOutput.split(separator: "\n").map(String.init)
    }
}
