import Foundation
import TestSupport
import XCTest

/// `termflash flash` with the uboot backend, run as a user runs it: against the simulated
/// console (`termflash simulate uboot --pty`), a real U-Boot under qemu, and recorded sessions.
final class UBootFlashCommandTests: CLITestCase {
    func testDryRunPrintsEveryConsoleCommand() throws {
        let image = try writeImage(uBootTestImage(300_000))
        let result = try run(on: nil, ["flash", "--profile", "mf286d", "--port", "/dev/ttyUSB0", "--partition", "ART", image,
                                       "--unlock-partition", "ART", "--allow-unsigned", "--dry-run", "--backup-dir", "bk"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertTrue(lines.contains("1. backup ART (LUN 1 bytes 655360+524288) -> bk/ART.bin"), result.standardOutput)
        XCTAssertEqual(lines.first { $0.hasPrefix("# attach") }, "# attach: send \"\\n\" every 0.1 s until the prompt \"(IPQ40xx) # \", then an empty line")
        for expected in ["nand read 0x84000000 0xa0000 0x80000", "md.b 0x8407f000 0x1000   # then crc32 0x8407f000 0x1000 checks the dump",
                         "loady 0x84000000   # ymodem upload of image bytes 0+300000 padded to 393216",
                         "nand erase 0xa0000 0x60000", "nand write 0x84000000 0xa0000 0x60000", "nand read 0x85800000 0xa0000 0x60000",
                         "crc32 0x85800000 0x60000   # must equal the host's CRC-32 (flash at 0xa0000)", "reset"] {
            XCTAssertTrue(lines.contains(expected), "missing '\(expected)' in:\n\(result.standardOutput)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(try run(on: nil, ["flash", "--profile", "mf286d", "--port", "/dev/ttyUSB0",
            "--partition", "rootfs", image, "--allow-unsigned", "--dry-run", "--json"]).standardOutput.utf8)) as? [String: Any]
        let commands = try XCTUnwrap(json?["commands"] as? [[String]])
        XCTAssertEqual(commands.count, 1)
        XCTAssertTrue(commands[0].contains("nand write 0x84000000 0x1800000 0x60000"), "\(commands)")
        XCTAssertEqual((json?["plan"] as? [String: Any])?["backend"] as? String, "uboot")
    }

    func testReadOnlyPartitionIsRefusedWithoutUnlock() throws {
        let image = try writeImage(uBootTestImage(1000))
        let result = try run(on: nil, ["flash", "--profile", "mf289f", "--port", "/dev/ttyUSB0", "--partition", "ART", image, "--allow-unsigned"])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.standardError.contains("partition ART is read-only in the device profile"), result.standardError)
        XCTAssertTrue(result.standardError.contains("--unlock-partition ART"), result.standardError)
        let unknown = try run(on: nil, ["flash", "--profile", "mf286", "--port", "/dev/ttyUSB0", "--partition", "firmware", image, "--allow-unsigned"])
        XCTAssertEqual(unknown.status, 65)
        XCTAssertTrue(unknown.standardError.contains("no partition 'firmware'; it has: u-boot, u-boot-env, fota-flag, caldata"), unknown.standardError)
    }

    func testFlashesThroughTheSimulatedConsoleAndBacksUpAnUnlockedPartition() throws {
        let folder = try Fixtures.temporaryDirectory("simflash")
        let simulator = try SimulatedConsoleProcess(termflash: termflash, arguments: ["--profile", "mf286d", "--flash-dir", folder, "--boot-delay", "1"])
        defer { simulator.stop() }
        let nand = folder + "/mf286d-nand.bin"
        let oldART = (0..<0x80000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        try write(oldART, into: nand, at: 0xa0000)
        let rootfs = uBootTestImage(200_000), art = Array(uBootTestImage(9000).reversed())
        let result = try run(on: nil, ["flash", "--profile", "mf286d", "--port", simulator.console, "--allow-unsigned", "--json",
                                       "--partition", "rootfs", try writeImage(rootfs, name: "rootfs.bin"),
                                       "--partition", "ART", try writeImage(art, name: "art.bin"),
                                       "--unlock-partition", "ART", "--backup-dir", workingDirectory + "/bk"])
        let report = try XCTUnwrap(try json(result) as? [String: Any])
        XCTAssertEqual(report["state"] as? String, "SUCCESS")
        let steps = try XCTUnwrap(report["steps"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["verifiedBy"] as? String }, ["device crc32", "device crc32", "device crc32"])
        XCTAssertEqual(try read(nand, at: 0x1800000, count: rootfs.count), rootfs)
        XCTAssertEqual(try read(nand, at: 0xa0000, count: art.count), art)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: workingDirectory + "/bk/ART.bin"))), oldART,
                       "the backup holds what ART held before")
    }

    func testADeltaRewritesOnlyTheChangedEraseBlocksThroughTheConsole() throws {
        let folder = try Fixtures.temporaryDirectory("simdelta")
        let simulator = try SimulatedConsoleProcess(termflash: termflash, arguments: ["--profile", "mf286d", "--flash-dir", folder, "--boot-delay", "1"])
        defer { simulator.stop() }
        let nand = folder + "/mf286d-nand.bin"
        let old = uBootTestImage(600_000)
        var new = old
        new[5] ^= 0xFF
        new[400_000] ^= 0xFF
        try write(old, into: nand, at: 0x1800000)
        let oldPath = try writeImage(old, name: "rootfs-old.bin"), delta = workingDirectory + "/rootfs.delta"
        XCTAssertEqual(try run(on: nil, ["delta", "create", oldPath, try writeImage(new, name: "rootfs-new.bin"), "-o", delta]).status, 0)
        let result = try run(on: nil, ["flash", "--profile", "mf286d", "--port", simulator.console, "--allow-unsigned",
                                       "--delta", delta, "--delta-base", oldPath, "--partition", "rootfs"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("source confirmed by device crc32"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("blocks written 2 of 5 (131072-byte blocks)"), result.standardOutput)
        XCTAssertTrue(try read(nand, at: 0x1800000, count: new.count) == new, "rootfs holds the new image")
    }

    func testFlashesARealUBootUnderQemuAndTheDiskHoldsTheImage() throws {
        let qemu = try QemuUBoot()
        defer { qemu.stop() }
        let image = uBootTestImage(40000)
        let result = try run(on: nil, ["flash", "--profile", "qemu-virt", "--port", qemu.consolePath, "--partition", "firmware",
                                       try writeImage(image), "--allow-unsigned"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("verified by device crc32"), result.standardOutput)
        qemu.stop()
        XCTAssertEqual(try qemu.disk(offset: 0x20000, length: image.count), image)
    }

    func testRecordedQemuSessionsReplay() throws {
        let flash = try run(on: nil, ["flash", "--profile", "qemu-virt", "--port", "/dev/ttyUSB0", "--partition", "firmware",
                                      try writeImage(uBootTestImage(40000)), "--allow-unsigned",
                                      "--replay", Fixtures.path("uboot/qemu-virt-flash.script")])
        XCTAssertEqual(flash.status, 0, flash.standardError)
        XCTAssertTrue(flash.standardOutput.contains("write"), flash.standardOutput)
        let unlock = try run(on: nil, ["flash", "--profile", "qemu-virt", "--port", "/dev/ttyUSB0", "--partition", "art",
                                       try writeImage(Array(uBootTestImage(4096)), name: "art.bin"), "--allow-unsigned",
                                       "--unlock-partition", "art", "--backup-dir", workingDirectory + "/bk",
                                       "--replay", Fixtures.path("uboot/qemu-virt-unlock-art.script")])
        XCTAssertEqual(unlock.status, 0, unlock.standardError)
        let backup = [UInt8](try Data(contentsOf: URL(fileURLWithPath: workingDirectory + "/bk/art.bin")))
        XCTAssertEqual(backup, (0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }, "md.b output parsed back into the old bytes")
        let diverged = try run(on: nil, ["flash", "--profile", "qemu-virt", "--port", "/dev/ttyUSB0", "--partition", "firmware",
                                         try writeImage(uBootTestImage(40001), name: "other.bin"), "--allow-unsigned",
                                         "--replay", Fixtures.path("uboot/qemu-virt-flash.script")])
        XCTAssertNotEqual(diverged.status, 0)
        XCTAssertTrue(diverged.standardError.contains("diverged"), diverged.standardError)
    }

    func testFlashesASignedPackageThroughTheConsole() throws {
        let keys = workingDirectory + "/keys", keyring = workingDirectory + "/keyring"
        XCTAssertEqual(try run(on: nil, ["keys", "generate", "factory", "--output", keys, "--trust", "--keyring", keyring]).status, 0)
        let rootfs = uBootTestImage(70_000)
        let package = workingDirectory + "/mf286d.tfpkg"
        let created = try run(on: nil, ["package", "create", "--id", "mf286d-test", "--version", "1.0", "--profile", "mf286d",
                                        "--image", "rootfs=" + (try writeImage(rootfs, name: "rootfs.bin")), "--key", keys + "/factory.key.pem",
                                        "-o", package])
        XCTAssertEqual(created.status, 0, created.standardError)
        let folder = try Fixtures.temporaryDirectory("pkgflash")
        let simulator = try SimulatedConsoleProcess(termflash: termflash, arguments: ["--profile", "mf286d", "--flash-dir", folder])
        defer { simulator.stop() }
        let result = try run(on: nil, ["flash", "--profile", "mf286d", "--port", simulator.console, "--keyring", keyring,
                                       "--ledger", workingDirectory + "/units.json", package])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("package mf286d-test 1.0"), result.standardOutput)
        XCTAssertEqual(try read(folder + "/mf286d-nand.bin", at: 0x1800000, count: rootfs.count), rootfs)
        let unsigned = try run(on: nil, ["flash", "--profile", "mf286d", "--port", simulator.console, "--partition", "rootfs",
                                         workingDirectory + "/rootfs.bin", "--keyring", keyring, "--dry-run"])
        XCTAssertNotEqual(unsigned.status, 0, "a loose image needs --allow-unsigned")
    }

    // MARK: Helpers

    private func writeImage(_ bytes: [UInt8], name: String = "image.bin") throws -> String {
        let path = workingDirectory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func write(_ bytes: [UInt8], into path: String, at offset: UInt64) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
    }

    private func read(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }
}

/// `termflash simulate uboot --pty` running in the background, with its console path.
final class SimulatedConsoleProcess {
    let console: String
    private let process = Process()

    init(termflash: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: termflash)
        process.arguments = ["simulate", "uboot", "--pty"] + arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["LD_PRELOAD", "UMOCKDEV_DIR"] { environment.removeValue(forKey: key) }
        environment["TERMFLASH_PROFILES"] = Fixtures.repositoryRoot + "/DeviceProfiles"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: #"/dev/pts/\d+"#, options: .regularExpression) else {
            process.stopForTest()
            throw QemuError.noConsole(output: text)
        }
        console = String(text[range])
    }

    func stop() {
        process.stopForTest()
    }
}

/// `termflash profile import-dts` as a user runs it.
final class ImportDTSCommandTests: CLITestCase {
    func testImportsAProfileThatValidates() throws {
        let dts = Fixtures.repositoryRoot + "/Tests/Fixtures/dts/ath79__qca9563_zte_mf286.dts"
        let output = workingDirectory + "/mf286.yaml"
        let result = try run(on: nil, ["profile", "import-dts", dts, "--prompt", "ath> ", "--load-address", "0x81000000",
                                       "--ram-window", "0x2000000", "-o", output])
        XCTAssertEqual(result.status, 0, result.standardError)
        let yaml = try String(contentsOfFile: output, encoding: .utf8)
        XCTAssertTrue(yaml.contains("- { name: \"ubiconcat1\", offset: 0x1700000, size: 0x6900000, note: \"DTS node partition@1600000 has reg 0x1700000;"), yaml)
        XCTAssertTrue(yaml.contains("#   ubi 0x0+0x7840000 lies in ubiconcat0 0x0+0xf40000, ubiconcat1 0x0+0x6900000"), yaml)
        let validated = try run(on: nil, ["profile", "validate", output])
        XCTAssertEqual(validated.status, 0, validated.standardOutput + validated.standardError)
        let json = try XCTUnwrap(try json(try run(on: nil, ["profile", "import-dts", dts, "--json"])) as? [String: Any])
        XCTAssertEqual(json["model"] as? String, "ZTE MF286")
        XCTAssertEqual((json["concatenations"] as? [[String: Any]])?.first?["members"] as? [String], ["ubiconcat0", "ubiconcat1"])
        let broken = workingDirectory + "/broken.dts"
        try "/dts-v1/;\n/ {\n  node { reg = <0 1> };\n};\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let failed = try run(on: nil, ["profile", "import-dts", broken])
        XCTAssertEqual(failed.status, 65)
        XCTAssertTrue(failed.standardError.contains("broken.dts:3: expected ';'"), failed.standardError)
    }
}
