import Foundation
import TermflashCore
import TestSupport
import XCTest

/// `termflash delta create|apply|info` and `flash --delta` run as a user runs them.
final class DeltaCommandTests: CLITestCase {
    private var folder = ""
    private var old: [UInt8] = []
    private var new: [UInt8] = []

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
        var random = SplitMix64(seed: 21)
        old = (0..<(256 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        new = old
        for block in stride(from: 0, to: 64, by: 16) { new[block * 4096 + 100] ^= 0xFF }
        try Data(old).write(to: URL(fileURLWithPath: "\(folder)/old.bin"))
        try Data(new).write(to: URL(fileURLWithPath: "\(folder)/new.bin"))
    }

    private func bytes(_ name: String) throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)"))) }

    func testCreateInfoApply() throws {
        let created = try run(on: nil, ["delta", "create", "\(folder)/old.bin", "\(folder)/new.bin", "-o", "\(folder)/p.delta"])
        XCTAssertEqual(created.status, 0, created.standardError)
        XCTAssertTrue(created.standardOutput.hasPrefix("\(folder)/p.delta: "), created.standardOutput)
        let info = try run(on: nil, ["delta", "info", "\(folder)/p.delta"])
        XCTAssertEqual(info.status, 0, info.standardError)
        XCTAssertTrue(info.standardOutput.contains("source   262144 bytes"), info.standardOutput)
        XCTAssertTrue(info.standardOutput.contains("block size 4096"), info.standardOutput)
        let applied = try run(on: nil, ["delta", "apply", "\(folder)/old.bin", "\(folder)/p.delta", "-o", "\(folder)/out.bin"])
        XCTAssertEqual(applied.status, 0, applied.standardError)
        XCTAssertTrue(try bytes("out.bin") == new)
    }

    func testApplyingToTheWrongImageFailsAndCreatesNothing() throws {
        XCTAssertEqual(try run(on: nil, ["delta", "create", "\(folder)/old.bin", "\(folder)/new.bin", "-o", "\(folder)/p.delta"]).status, 0)
        let refused = try run(on: nil, ["delta", "apply", "\(folder)/new.bin", "\(folder)/p.delta", "-o", "\(folder)/out.bin"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.standardError.contains("\(folder)/new.bin is not the patch's source"), refused.standardError)
        XCTAssertTrue(refused.standardError.contains("hint: apply the patch to the image it was made from"), refused.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(folder)/out.bin"))
        let garbage = try run(on: nil, ["delta", "info", "\(folder)/old.bin"])
        XCTAssertEqual(garbage.status, 1)
        XCTAssertTrue(garbage.standardError.contains("is not a termflash delta"), garbage.standardError)
    }

    func testFlashDeltaOntoADiskImageWritesOnlyChangedBlocks() throws {
        XCTAssertEqual(try run(on: nil, ["delta", "create", "\(folder)/old.bin", "\(folder)/new.bin", "-o", "\(folder)/p.delta"]).status, 0)
        let disk = "\(folder)/disk.img"
        try Data(old).write(to: URL(fileURLWithPath: disk))
        let result = try run(on: nil, ["flash", "--disk", disk, "--allow-unsigned", "--delta", "\(folder)/p.delta", "--json"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let report = try XCTUnwrap(try json(result) as? [String: Any])
        XCTAssertEqual(report["blocksWritten"] as? Int, 4)
        XCTAssertEqual(report["blocksTotal"] as? Int, 64)
        XCTAssertEqual(report["bytesSent"] as? Int, 4 * 4096)
        XCTAssertEqual(report["sourceConfirmedBy"] as? String, "read-back")
        XCTAssertTrue(try bytes("disk.img") == new)
        let again = try run(on: nil, ["flash", "--disk", disk, "--allow-unsigned", "--delta", "\(folder)/p.delta"])
        XCTAssertEqual(again.status, 70)
        XCTAssertTrue(again.standardError.contains("does not hold the patch's source (checked by read-back); nothing was written"), again.standardError)
    }

    /// A signed package whose image is a delta (manifest `deltaBase`) flashes through the decoder.
    func testPackageWithADeltaImageWritesOnlyChangedBlocks() throws {
        let profile = """
        schemaVersion: 1
        id: delta-disk
        vendor: Test
        model: Disk
        kind: router
        protocolFamily: uboot
        storage:
          type: emmc
          sizeBytes: 524288
          partitions:
            - { name: system, offset: 0x10000, size: 0x40000 }
        """
        try FileManager.default.createDirectory(atPath: "\(folder)/profiles", withIntermediateDirectories: true)
        try profile.write(toFile: "\(folder)/profiles/delta.yaml", atomically: true, encoding: .utf8)
        let keyring = "\(folder)/keyring"
        XCTAssertEqual(try run(on: nil, ["keys", "generate", "factory", "--output", folder, "--trust", "--keyring", keyring]).status, 0)
        XCTAssertEqual(try run(on: nil, ["delta", "create", "\(folder)/old.bin", "\(folder)/new.bin", "-o", "\(folder)/p.delta"]).status, 0)
        let base = "system=" + sha256Hex(old) + ":\(old.count)"
        let created = try run(on: nil, ["package", "create", "--id", "fw", "--version", "2.0", "--profile", "delta-disk",
                                        "--image", "system=\(folder)/p.delta", "--delta-base", base,
                                        "--key", "\(folder)/factory.key.pem", "-o", "\(folder)/fw.tfpkg"])
        XCTAssertEqual(created.status, 0, created.standardError)
        let disk = "\(folder)/disk.img"
        let outside = [UInt8](repeating: 0x3C, count: 0x10000)
        try Data(outside + old + outside).write(to: URL(fileURLWithPath: disk))
        let flashed = try run(on: nil, ["flash", "--profiles", "\(folder)/profiles", "--profile", "delta-disk", "--disk", disk,
                                        "--keyring", keyring, "--json", "\(folder)/fw.tfpkg"])
        XCTAssertEqual(flashed.status, 0, flashed.standardError)
        let report = try XCTUnwrap(try json(flashed) as? [String: Any])
        XCTAssertEqual(report["partition"] as? String, "system")
        XCTAssertEqual(report["blocksWritten"] as? Int, 4)
        XCTAssertEqual(report["bytesSent"] as? Int, 4 * 4096)
        XCTAssertTrue(try bytes("disk.img") == outside + new + outside)
    }

    private func sha256Hex(_ bytes: [UInt8]) -> String {
        let file = "\(folder)/hash-input"
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        let result = try? runProcess("/usr/bin/sha256sum", [file])
        return String(result?.standardOutput.prefix(64) ?? "")
    }
}
