import TermflashCore
import TermflashHardware
import TestSupport
import XCTest

/// Enumeration through the real libusb and libudev, against umockdev device descriptions.
final class USBEnumeratorTests: XCTestCase {
    func testModemInCDROMModeShowsItsStorageInterface() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-cdrom.umockdev")
        let devices = try USBEnumerator.devices()
        XCTAssertEqual(devices.count, 1)
        let modem = try XCTUnwrap(devices.first)
        XCTAssertEqual(modem.path, "1-1")
        XCTAssertEqual(modem.identity, USBIdentity("19d2:1225"))
        XCTAssertEqual(modem.manufacturer, "ZTE,Incorporated")
        XCTAssertEqual(modem.product, "ZTE Mobile Broadband")
        XCTAssertEqual(modem.serial, "P680A1ZTED010000")
        XCTAssertEqual(modem.interfaces.map(\.classTriple), ["08/06/50"])
        XCTAssertEqual(modem.interfaces.first?.driver, "usb-storage")
        let bulk = try XCTUnwrap(modem.interfaces.first?.bulkPair)
        XCTAssertEqual([bulk.in.address, bulk.out.address], [0x81, 0x01])
        XCTAssertEqual(bulk.in.maxPacketSize, 512)
        withExtendedLifetime(testbed) {}
    }

    func testDiagModeMapsEachInterfaceToItsTTYAndByIDLink() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-diag.umockdev")
        let modem = try XCTUnwrap(USBEnumerator.devices().first)
        XCTAssertEqual(modem.identity, USBIdentity("19d2:0016"))
        XCTAssertEqual(modem.interfaces.map(\.number), [0, 1, 2])
        XCTAssertEqual(modem.interfaces.map(\.driver), ["option", "option", "option"])
        XCTAssertEqual(modem.interfaces.map { $0.ttys.map(\.node) }, [["/dev/ttyUSB0"], ["/dev/ttyUSB1"], ["/dev/ttyUSB2"]])
        XCTAssertEqual(modem.interfaces[0].ttys.first?.links,
                       ["/dev/serial/by-id/usb-ZTE_Incorporated_ZTE_Technologies_MSM_P680A1ZTED010000-if00-port0"])
        XCTAssertEqual(modem.interfaces[1].endpoints.map(\.transferType), [.bulk, .bulk, .interrupt])
        withExtendedLifetime(testbed) {}
    }

    func testSeveralDevicesAreSortedByPathAndRootHubsLeftOut() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mixed-bus.umockdev")
        let devices = try USBEnumerator.devices()
        XCTAssertEqual(devices.map(\.path), ["1-1", "1-2", "1-3", "1-4"])
        XCTAssertEqual(devices.map(\.identity.description), ["19d2:0016", "05c6:9008", "19d2:1225", "0bda:8153"])
        XCTAssertNil(devices[1].serial, "the EDL device has no serial string")
        withExtendedLifetime(testbed) {}
    }

    func testSelectionByPathSerialAndPort() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mixed-bus.umockdev")
        let devices = try USBEnumerator.devices()
        XCTAssertEqual(try USBEnumerator.select(DeviceSelection(path: "1-2"), from: devices).identity.description, "05c6:9008")
        XCTAssertEqual(try USBEnumerator.select(DeviceSelection(port: "/dev/ttyUSB3"), from: devices).path, "1-2")
        let byID = "/dev/serial/by-id/usb-ZTE_Incorporated_ZTE_Technologies_MSM_P680A1ZTED010000-if02-port0"
        XCTAssertEqual(try USBEnumerator.select(DeviceSelection(port: byID), from: devices).path, "1-1")

        XCTAssertThrowsError(try USBEnumerator.select(DeviceSelection(serial: "P680A1ZTED010000"), from: devices)) { error in
            guard case HardwareError.ambiguousSelection(_, let candidates) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(candidates.count, 2)
        }
        XCTAssertThrowsError(try USBEnumerator.select(DeviceSelection(path: "2-9"), from: devices)) { error in
            let description = "\(error)"
            XCTAssertTrue(description.contains("no device matched --path 2-9"), description)
            XCTAssertTrue(description.contains("1-2 05c6:9008 QUSB__BULK"), description)
            XCTAssertEqual((error as? HardwareError)?.exitStatus, .noDeviceMatched)
        }
        withExtendedLifetime(testbed) {}
    }
}
