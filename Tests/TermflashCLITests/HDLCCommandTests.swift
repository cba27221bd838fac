import Foundation
import TermflashCore
import TestSupport
import XCTest

/// `simulate streaming-dload|diag --pty` with `flash`, `partitions` and `nv` talking to it
/// through the real serial transport, as a user would.
final class HDLCCommandTests: CLITestCase {
    private var fixtures: String { Fixtures.repositoryRoot + "/Tests/Fixtures/nand-partition-tables" }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = workingDirectory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func nand(_ path: String, at offset: Int, count: Int) throws -> [UInt8] {
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }

    func testFlashOverAPtyUploadsTheProgrammerSendsTheTableAndWritesPartitions() throws {
        let nandPath = workingDirectory + "/nand.bin"
        let simulator = try AnnouncingSimulator(termflash, ["simulate", "streaming-dload", "--pty", "--nand", nandPath, "--size-mib", "256",
                                                  "--partition-table", fixtures + "/pt-mf825-r.bin", "--write-table", fixtures + "/pt-mf825-w.bin"],
                                      folder: workingDirectory, expecting: ["port"])
        defer { simulator.stop() }
        let port = try XCTUnwrap(simulator.ports["port"])
        let programmer = try write((0..<4000).map { UInt8(truncatingIfNeeded: $0) }, "NPRG9x15.bin")
        let apps = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let system = [UInt8](repeating: 0x7E, count: 70_000)
        let appsPath = try write(apps, "apps.bin"), systemPath = try write(system, "system.bin")
        let listing = try run(on: nil, ["partitions", "--backend", "streaming-dload", "--port", port, "--programmer", programmer, "--json"])
        let decoded = try XCTUnwrap(try json(listing) as? [String: Any])
        let regions = try XCTUnwrap(decoded["regions"] as? [[String: Any]])
        XCTAssertEqual(regions.count, 19, "MIBIB read from the unit through the uploaded programmer")
        XCTAssertEqual(regions.first { $0["partition"] as? String == "ZTEDATA" }?["offset"] as? Int, 1004 * 131_072)
        let result = try run(on: nil, ["flash", "--backend", "streaming-dload", "--port", port, "--programmer", programmer, "--allow-unsigned",
                                       fixtures + "/pt-mf825-w.bin", "--partition", "ptable", appsPath, "--partition", "APPS",
                                       systemPath, "--partition", "SYSTEM"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("SUCCESS"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("verified by read-back"), result.standardOutput)
        XCTAssertEqual(try nand(nandPath, at: 914 * 131_072, count: apps.count), apps, "APPS starts at block 914 of the MF825 MIBIB")
        XCTAssertEqual(try nand(nandPath, at: 1540 * 131_072, count: system.count), system, "SYSTEM at block 1540")

    }

    func testADeltaIsConfirmedByReadBackAndStreamedWholeThroughStreamingDLOAD() throws {
        var random = SplitMix64(seed: 3)
        let old = (0..<(300 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var new = old
        new[5000] ^= 0x11
        new[200_000] ^= 0x22
        let nandPath = workingDirectory + "/nand.bin"
        XCTAssertTrue(FileManager.default.createFile(atPath: nandPath, contents: nil))
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: nandPath))
        try handle.truncate(atOffset: 256 << 20)
        try handle.seek(toOffset: 914 * 131_072)
        try handle.write(contentsOf: Data(old))
        try handle.close()
        let patch = workingDirectory + "/apps.delta"
        let created = try run(on: nil, ["delta", "create", try write(old, "old.bin"), try write(new, "new.bin"), "-o", patch])
        XCTAssertEqual(created.status, 0, created.standardError)

        let simulator = try AnnouncingSimulator(termflash, ["simulate", "streaming-dload", "--pty", "--programmer-running", "--nand", nandPath, "--size-mib", "256",
                                                  "--partition-table", fixtures + "/pt-mf825-r.bin", "--write-table", fixtures + "/pt-mf825-w.bin"],
                                      folder: workingDirectory, expecting: ["port"])
        defer { simulator.stop() }
        let port = try XCTUnwrap(simulator.ports["port"])
        let result = try run(on: nil, ["flash", "--backend", "streaming-dload", "--port", port, "--allow-unsigned",
                                       "--delta", patch, "--partition", "APPS"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("source confirmed by read-back"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("2 differ, but"), result.standardOutput)
        XCTAssertTrue(try nand(nandPath, at: 914 * 131_072, count: new.count) == new, "APPS holds the new image")
    }

    func testADifferentTableIsRefusedWithoutTheOverrideAndANAKIsNamed() throws {
        let nandPath = workingDirectory + "/nand.bin"
        let simulator = try AnnouncingSimulator(termflash, ["simulate", "streaming-dload", "--pty", "--nand", nandPath, "--nak-block", "2"],
                                      folder: workingDirectory, expecting: ["port"])
        defer { simulator.stop() }
        let port = try XCTUnwrap(simulator.ports["port"])
        let programmer = try write([UInt8](repeating: 0x11, count: 3000), "prog.bin")
        let image = try write([UInt8](repeating: 0x22, count: 4096), "apps.bin")
        let nak = try run(on: nil, ["flash", "--backend", "streaming-dload", "--port", port, "--programmer", programmer, "--allow-unsigned",
                                    image, "--partition", "APPS"])
        XCTAssertNotEqual(nak.status, 0)
        XCTAssertTrue(nak.standardError.contains("write verify failed"), nak.standardError)

        let streaming = try AnnouncingSimulator(termflash, ["simulate", "streaming-dload", "--pty", "--programmer-running", "--nand", workingDirectory + "/n2.bin"],
                                      folder: workingDirectory, expecting: ["port"])
        defer { streaming.stop() }
        let port2 = try XCTUnwrap(streaming.ports["port"])
        let refused = try run(on: nil, ["flash", "--backend", "streaming-dload", "--port", port2, "--allow-unsigned",
                                        fixtures + "/pt-mf825-w.bin", "--partition", "ptable", image, "--partition", "APPS"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.standardError.contains("different partition table"), refused.standardError)
        XCTAssertEqual(try nand(workingDirectory + "/n2.bin", at: 56 * 131_072, count: 4), [0, 0, 0, 0], "nothing written")
    }

    func testNVReadAndBackupOverTheDIAGPty() throws {
        let simulator = try AnnouncingSimulator(termflash, ["simulate", "diag", "--pty", "--nand", workingDirectory + "/nand.bin"],
                                      folder: workingDirectory, expecting: ["diag", "at"])
        defer { simulator.stop() }
        let diag = try XCTUnwrap(simulator.ports["diag"])
        let read = try run(on: nil, ["nv", "read", "946", "--port", diag])
        XCTAssertEqual(read.status, 0, read.standardError)
        XCTAssertTrue(read.standardOutput.contains("0000  00 00 80 00 00"), read.standardOutput)
        let backup = try run(on: nil, ["nv", "backup", "nv.json", "--port", diag, "--last", "1000"])
        XCTAssertEqual(backup.status, 0, backup.standardError)
        let saved = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: workingDirectory + "/nv.json"))) as? [String: Any])
        let items = try XCTUnwrap(saved["items"] as? [[String: Any]])
        XCTAssertEqual(items.compactMap { $0["item"] as? Int }, [85, 441, 550, 946])
        XCTAssertEqual(saved["firmware"] as? String, "BD_RUSMF823V1.0.0B05")
        let refused = try run(on: nil, ["nv", "write", "550", "0102", "--profile", "mf823", "--port", diag])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.standardError.contains("IMEI"), refused.standardError)
        let at = try run(on: nil, ["at", "--port", try XCTUnwrap(simulator.ports["at"]), "AT+ZCDRUN=E"])
        XCTAssertTrue(at.standardOutput.contains("Enter download mode result(0:FAIL 1:SUCCESS):1"), at.standardOutput + at.standardError)
    }

    func testBenchHDLCRunsAndChecksEveryByteItStreamed() throws {
        // Functional only (figures are for the README): the framing run checks every frame
        // came back, the write run reads the whole image back from the simulated NAND.
        let result = try run(on: nil, ["bench", "hdlc", "--megabytes", "2", "--runs", "1", "--frame-size", "1000", "--block-size", "1024"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, result.standardOutput)
        XCTAssertTrue(lines[0].hasPrefix("hdlc framing: 2 MB in 1000-byte frames: encode "), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("streaming-dload write into the in-process simulator: 2 MB in 1024-byte writes, window 8: "), lines[1])
        XCTAssertTrue(lines[1].contains("per CPU-second of the host thread (median of 1)"), lines[1])
    }

    func testPartitionsDecodesATableFile() throws {
        let result = try run(on: nil, ["partitions", "--table", fixtures + "/pt-mf667-r.bin"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("10 partitions"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("0:EFS2QDSP      255     668    0x01fe0000"), result.standardOutput)
    }
}

/// `termflash mode --dry-run`: the steps from the profile, without a device.
final class ModeCommandTests: CLITestCase {
    func testDryRunPrintsEveryStepFromStorageToDownload() throws {
        let result = try run(on: nil, ["mode", "--to", "download", "--dry-run", "--from", "storage", "--profile", "mf823"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "mf823: storage -> download, 3 step(s)")
        XCTAssertTrue(lines[1].contains("usb_modeswitch") && lines[1].contains("5553424387654321") && lines[1].hasSuffix("19d2:1405"), lines[1])
        XCTAssertTrue(lines[2].contains("AT+ZCDRUN=E") && lines[2].contains("not trusted") && lines[2].hasSuffix("19d2:0016"), lines[2])
        XCTAssertTrue(lines[3].contains("DIAG command 0x3a") && lines[3].hasSuffix("19d2:0076"), lines[3])
    }

    func testAUnitThatCannotReachTheModeIsTold() throws {
        let result = try run(on: nil, ["mode", "--to", "modem", "--dry-run", "--from", "download", "--profile", "mf823"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.standardError.contains("no mode switches from download to modem"), result.standardError)
    }
}
