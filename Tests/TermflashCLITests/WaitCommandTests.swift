import Foundation
import TestSupport
import XCTest

/// `termflash wait` end to end on umockdev buses.
final class WaitCommandTests: CLITestCase {
    func testFindsTheDownloadModeDeviceAndPrintsItsJSON() throws {
        let output = try json(run(on: "three-devices.umockdev", ["wait", "--mode", "download", "--timeout", "5", "--json"]))
        let device = try XCTUnwrap(output as? [String: Any])
        XCTAssertEqual(device["path"] as? String, "1-2")
        XCTAssertEqual(device["usb"] as? String, "05c6:9008")
    }

    func testSelectionNarrowsTheWait() throws {
        let output = try json(run(on: "three-devices.umockdev", ["wait", "--mode", "storage", "--path", "1-3", "--json"]))
        XCTAssertEqual((output as? [String: Any])?["usb"] as? String, "19d2:1225")
    }

    func testTimeoutExitsWithItsCodeAndListsWhatWasSeen() throws {
        let result = try run(on: "mf823-diag.umockdev", ["wait", "--mode", "download", "--timeout", "0.5"])
        XCTAssertEqual(result.status, 73)
        XCTAssertTrue(result.standardError.contains("no device in download mode matching any device appeared within 0.5 s"),
                      result.standardError)
        XCTAssertTrue(result.standardError.contains("seen: 1-1 19d2:0016"), result.standardError)
    }

    func testUnknownModeIsAUsageError() throws {
        let result = try run(on: nil, ["wait", "--mode", "flying"])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.standardError.contains("flying"), result.standardError)
    }
}
