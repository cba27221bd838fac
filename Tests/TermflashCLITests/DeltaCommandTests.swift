import Foundation
import TestSupport
import XCTest

/// `termflash delta create|apply|info` and `flash --delta` run as a user runs them.
final class DeltaCommandTests: CLITestCase {
    private var folder = ""
    private var old: [UInt8] = []
    private var new: [UInt8] = []

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
        var random = SplitMix64Local(seed: 21)
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
        let result = try run(on: nil, ["flash", "--disk", disk, "--delta", "\(folder)/p.delta", "--json"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let report = try XCTUnwrap(try json(result) as? [String: Any])
        XCTAssertEqual(report["blocksWritten"] as? Int, 4)
        XCTAssertEqual(report["blocksTotal"] as? Int, 64)
        XCTAssertEqual(report["bytesSent"] as? Int, 4 * 4096)
        XCTAssertEqual(report["sourceConfirmedBy"] as? String, "read-back")
        XCTAssertTrue(try bytes("disk.img") == new)
        let again = try run(on: nil, ["flash", "--disk", disk, "--delta", "\(folder)/p.delta"])
        XCTAssertEqual(again.status, 70)
        XCTAssertTrue(again.standardError.contains("does not hold the patch's source (checked by read-back); nothing was written"), again.standardError)
    }
}
