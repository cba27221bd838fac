import Foundation
import TestSupport
import XCTest

/// `termflash flash` with the uboot backend checking chunks with `sha1sum`/`md5sum` where the
/// simulated U-Boot build has them, and `--dry-run` showing the probe and the checks.
final class UBootDigestCommandTests: CLITestCase {
    func testDryRunShowsTheProbeAndTheDigestOfEveryChunk() throws {
        let image = try writeImage(uBootTestImage(300_000))
        let result = try run(on: nil, ["flash", "--profile", "mf286d", "--port", "/dev/ttyUSB0", "--partition", "rootfs", image,
                                       "--allow-unsigned", "--dry-run"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("help ") }.map { String($0.prefix(12)) }, ["help sha1sum", "help md5sum ", "help hash   "])
        let readBack = try XCTUnwrap(lines.firstIndex(of: "nand read 0x85800000 0x1800000 0x60000"), result.standardOutput)
        XCTAssertEqual(lines[readBack + 1], "sha1sum 0x85800000 0x60000   # must equal the host's SHA-1 (flash 0x1800000...0x185ffff)")
        XCTAssertEqual(lines[readBack + 2], "crc32 0x85800000 0x60000   # must equal the host's CRC-32 (flash at 0x1800000)")
    }

    func testFlashesWithMD5SumWhenTheBuildLacksSHA1Sum() throws {
        let folder = try Fixtures.temporaryDirectory("digestflash")
        let simulator = try SimulatedConsoleProcess(termflash: termflash, arguments: [
            "--profile", "mf286d", "--flash-dir", folder, "--boot-delay", "1", "--missing-command", "sha1sum"])
        defer { simulator.stop() }
        let rootfs = uBootTestImage(100_000)
        let result = try run(on: nil, ["flash", "--profile", "mf286d", "--port", simulator.console, "--allow-unsigned", "--verbose",
                                       "--partition", "rootfs", try writeImage(rootfs)])
        XCTAssertEqual(result.status, 0, result.standardError)
        let log = result.standardOutput + result.standardError
        XCTAssertTrue(log.contains("u-boot> help sha1sum") && log.contains("u-boot> help md5sum"), log)
        XCTAssertTrue(log.contains("u-boot> md5sum 0x85800000 0x20000"), log)
        XCTAssertFalse(log.contains("u-boot> sha1sum"), log)
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: folder + "/mf286d-nand.bin"))
        defer { try? handle.close() }
        try handle.seek(toOffset: 0x1800000)
        XCTAssertEqual([UInt8](try handle.read(upToCount: rootfs.count) ?? Data()), rootfs)
    }

    private func writeImage(_ bytes: [UInt8]) throws -> String {
        let path = workingDirectory + "/image.bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
