import Foundation
import TestSupport
import XCTest

/// `termflash list` end to end: the real executable, libusb and libudev on umockdev buses.
final class ListCommandTests: CLITestCase {
    private func devices(on bus: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let output = try json(run(on: bus, ["list", "--json"] + extra)) as? [String: Any]
        return try XCTUnwrap(output?["devices"] as? [[String: Any]])
    }

    func testCDROMModeModemIsRecognisedByItsProfile() throws {
        let device = try XCTUnwrap(devices(on: "mf823-cdrom.umockdev").first)
        XCTAssertEqual(device["path"] as? String, "1-1")
        XCTAssertEqual(device["usb"] as? String, "19d2:1225")
        XCTAssertEqual(device["profile"] as? String, "mf823")
        XCTAssertEqual(device["mode"] as? String, "storage")
        XCTAssertEqual(device["manufacturer"] as? String, "ZTE,Incorporated")
        let interface = try XCTUnwrap((device["interfaces"] as? [[String: Any]])?.first)
        XCTAssertEqual(interface["class"] as? String, "08/06/50")
        XCTAssertEqual(interface["driver"] as? String, "usb-storage")
        let endpoints = try XCTUnwrap(interface["endpoints"] as? [[String: Any]])
        XCTAssertEqual(endpoints.map { $0["address"] as? String }, ["0x81", "0x01"])
        XCTAssertEqual(endpoints.map { $0["maxPacketSize"] as? Int }, [512, 512])
    }

    func testDiagModeShowsRolesDriversAndTTYs() throws {
        let device = try XCTUnwrap(devices(on: "mf823-diag.umockdev").first)
        XCTAssertEqual(device["mode"] as? String, "diag")
        let interfaces = try XCTUnwrap(device["interfaces"] as? [[String: Any]])
        XCTAssertEqual(interfaces.map { $0["driver"] as? String }, ["option", "option", "option"])
        XCTAssertEqual(interfaces.first?["role"] as? String, "diag")
        let ttys = interfaces.compactMap { ($0["ttys"] as? [[String: Any]])?.first }
        XCTAssertEqual(ttys.map { $0["node"] as? String }, ["/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyUSB2"])
        XCTAssertEqual((ttys.first?["links"] as? [String])?.first,
                       "/dev/serial/by-id/usb-ZTE_Incorporated_ZTE_Technologies_MSM_P680A1ZTED010000-if00-port0")
    }

    func testDownloadModeDevice() throws {
        let device = try XCTUnwrap(devices(on: "edl-9008.umockdev").first)
        XCTAssertEqual(device["usb"] as? String, "05c6:9008")
        XCTAssertEqual(device["mode"] as? String, "download")
        XCTAssertNil(device["serial"] as? String)
    }

    func testUnknownDevicesOnlyWithAll() throws {
        XCTAssertEqual(try devices(on: "mixed-bus.umockdev").map { $0["path"] as? String }, ["1-1", "1-2", "1-3"])
        let all = try devices(on: "mixed-bus.umockdev", ["--all"])
        XCTAssertEqual(all.map { $0["path"] as? String }, ["1-1", "1-2", "1-3", "1-4"])
        XCTAssertEqual(all.last?["mode"] as? String, "unknown")
    }

    func testTextOutputNamesModeProfileAndPorts() throws {
        let result = try run(on: "mf823-diag.umockdev", ["list"])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.hasPrefix("1-1  19d2:0016  ZTE,Incorporated ZTE Technologies MSM"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("mode diag  profile mf823"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("if0 ff/ff/ff diag  driver option  bulk IN 0x81/512 OUT 0x01/512"),
                      result.standardOutput)
    }

    func testMachineWithoutUSBGetsItsOwnExitCode() throws {
        try XCTSkipIf(FileManager.default.fileExists(atPath: "/sys/bus/usb"), "this machine has a USB subsystem")
        let result = try run(on: nil, ["list"])
        XCTAssertEqual(result.status, 69)
        XCTAssertTrue(result.standardError.contains("no USB subsystem on this machine"), result.standardError)
        XCTAssertTrue(result.standardError.contains("hint:"), result.standardError)
    }
}
