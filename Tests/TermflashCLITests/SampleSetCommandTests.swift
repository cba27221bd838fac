import Foundation
import TestSupport
import XCTest

/// `termflash sample-set` writes a loadable set and reports what flashing it must leave on the device.
final class SampleSetCommandTests: CLITestCase {
    func testWritesTheSetAndAZip() throws {
        let folder = try Fixtures.temporaryDirectory()
        let result = try run(on: nil, ["sample-set", "\(folder)/set", "--sector-size", "512", "--luns", "3", "--zip", "\(folder)/set.zip", "--json"])
        let summary = try XCTUnwrap(try json(result) as? [String: Any])
        XCTAssertEqual(summary["sectorSize"] as? Int, 512)
        let luns = try XCTUnwrap(summary["luns"] as? [[String: Any]])
        XCTAssertEqual(luns.compactMap { $0["lun"] as? Int }, [0, 1, 2])
        let images = try XCTUnwrap(summary["images"] as? [[String: Any]])
        XCTAssertEqual(images.first { $0["label"] as? String == "modem" }?["sparse"] as? Bool, true)
        let boot = try XCTUnwrap(images.first { $0["label"] as? String == "boot" })
        let bootBytes = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/set/boot.img"))
        XCTAssertEqual(boot["bytes"] as? Int, bootBytes.count)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/set.zip"))
        for file in summary["files"] as? [String] ?? [] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/set/\(file)"), file)
        }

        let text = try run(on: nil, ["sample-set", "\(folder)/again"])
        XCTAssertEqual(text.status, 0, text.standardError)
        XCTAssertTrue(text.standardOutput.contains("LUN 1: simulate"), text.standardOutput)
        XCTAssertTrue(text.standardOutput.contains("modem ← modem.img (sparse)"), text.standardOutput)

        let bad = try run(on: nil, ["sample-set", "\(folder)/bad", "--sector-size", "1000"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.standardError.contains("512 or 4096"), bad.standardError)
    }
}
