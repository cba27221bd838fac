import Foundation
import TermflashCore
import TestSupport
import XCTest

/// `termflash flash` end to end with the disk backend: plan, guard, journal, report,
/// rollback — the engine behind every backend, on a real file.
final class FlashCommandTests: CLITestCase {
    private var folder = ""
    private var disk = ""
    private var original: [UInt8] = []

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
        disk = "\(folder)/disk.img"
        original = randomDisk(seed: 9)
        try Data(original).write(to: URL(fileURLWithPath: disk))
        try Data(repeating: 0xA5, count: 20 << 10).write(to: URL(fileURLWithPath: "\(folder)/kernel.img"))
        try Data(repeating: 0x5A, count: 4 << 10).write(to: URL(fileURLWithPath: "\(folder)/art.img"))
        try writeDiskProfile(in: folder, id: "test-disk", model: "Disk", partitions: [
            "{ name: art, offset: 0x10000, size: 0x10000, readOnly: true }",
            "{ name: kernel, offset: 0x20000, size: 0x20000 }",
        ])
    }

    private func flash(_ arguments: [String]) throws -> ProcessResult {
        try run(on: nil, ["flash", "--profiles", "\(folder)/profiles", "--profile", "test-disk", "--disk", disk, "--allow-unsigned",
                          "--ledger", "\(folder)/units.json"] + arguments)
    }

    private func diskBytes() throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: disk))) }

    func testDryRunPrintsThePlanAndWritesNothing() throws {
        let result = try flash(["--dry-run", "--partition", "kernel", "\(folder)/kernel.img"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutput, """
            plan test-disk-disk: 1 image(s) [disk]
              1. write \(folder)/kernel.img 20480 bytes -> kernel (LUN 0 bytes 131072+131072)
            then: stay

            """)
        XCTAssertTrue(try diskBytes() == original)
    }

    func testFlashWritesVerifiesAndReports() throws {
        let report = "\(folder)/report.json"
        let result = try flash(["--partition", "kernel", "--journal", "\(folder)/j.json", "--report", report, "\(folder)/kernel.img"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.hasPrefix("SUCCESS: 1 image(s) on disk \(disk)"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("verified by read-back"), result.standardOutput)
        let bytes = try diskBytes()
        XCTAssertTrue(Array(bytes[0x20000..<(0x20000 + (20 << 10))]) == [UInt8](repeating: 0xA5, count: 20 << 10))
        XCTAssertTrue(Array(bytes[..<0x20000]) == Array(original[..<0x20000]), "nothing before the partition changed")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        XCTAssertEqual(json?["state"] as? String, "SUCCESS")
        XCTAssertEqual(json?["bytesWritten"] as? Int, 20 << 10)
    }

    func testReadOnlyPartitionIsRefusedUnlessUnlockedAndThenBackedUpFirst() throws {
        let refused = try flash(["--partition", "art", "\(folder)/art.img"])
        XCTAssertEqual(refused.status, 65)
        XCTAssertTrue(refused.standardError.contains("partition art is read-only in the device profile"), refused.standardError)
        XCTAssertTrue(refused.standardError.contains("--unlock-partition art"), refused.standardError)
        XCTAssertTrue(try diskBytes() == original)

        let unlocked = try flash(["--partition", "art", "--unlock-partition", "art", "--backup-dir", "\(folder)/backups",
                                  "--journal", "\(folder)/j.json", "\(folder)/art.img"])
        XCTAssertEqual(unlocked.status, 0, unlocked.standardError)
        XCTAssertTrue(unlocked.standardOutput.contains("1. done     backup art"), unlocked.standardOutput)
        let backup = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(folder)/backups/art.bin")))
        XCTAssertTrue(backup == Array(original[0x10000..<0x20000]), "the backup holds art's original bytes")

        let rolledBack = try run(on: nil, ["flash", "--profiles", "\(folder)/profiles", "--profile", "test-disk", "--disk", disk,
                                           "--rollback", "\(folder)/j.json"])
        XCTAssertEqual(rolledBack.status, 0, rolledBack.standardError)
        XCTAssertTrue(rolledBack.standardOutput.hasPrefix("ROLLED_BACK"), rolledBack.standardOutput)
        XCTAssertTrue(try diskBytes() == original, "the disk is as it was")
    }

    func testAnImageLargerThanItsPartitionIsRefusedByName() throws {
        try Data(repeating: 1, count: 0x10001).write(to: URL(fileURLWithPath: "\(folder)/big.img"))
        let result = try flash(["--partition", "kernel", "\(folder)/big.img", "--partition", "art", "--unlock-partition", "art", "\(folder)/big.img"])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.standardError.contains("big.img (65537 bytes) is larger than art (LUN 0 bytes 65536+65536) (65536 bytes); nothing was written"),
                      result.standardError)
        XCTAssertTrue(try diskBytes() == original)
    }

    func testResumeContinuesAStoppedUpdate() throws {
        let journal = "\(folder)/j.json"
        try FileManager.default.removeItem(atPath: "\(folder)/kernel.img")
        let stopped = try flash(["--partition", "kernel", "--journal", journal, "\(folder)/art.img"])
        XCTAssertEqual(stopped.status, 0, stopped.standardError)
        // A journal left in FAILED: run a plan whose image vanished between planning and writing.
        var text = try String(contentsOfFile: journal, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"SUCCESS\"", with: "\"FAILED\"").replacingOccurrences(of: "\"done\"", with: "\"failed\"")
        try text.write(toFile: journal, atomically: true, encoding: .utf8)
        let resumed = try run(on: nil, ["flash", "--profiles", "\(folder)/profiles", "--profile", "test-disk", "--disk", disk, "--resume", journal])
        XCTAssertEqual(resumed.status, 0, resumed.standardError)
        XCTAssertTrue(resumed.standardOutput.hasPrefix("SUCCESS"), resumed.standardOutput)
        let again = try run(on: nil, ["flash", "--profiles", "\(folder)/profiles", "--profile", "test-disk", "--disk", disk, "--resume", journal])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.standardError.contains("the update is in state SUCCESS; there is nothing to resume"), again.standardError)
    }
}
