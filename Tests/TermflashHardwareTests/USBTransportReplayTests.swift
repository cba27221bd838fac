import Foundation
import TermflashCore
import TermflashHardware
import TestSupport
import XCTest

/// Bulk round trips through the real libusb transport, served by umockdev from a usbmon pcapng.
final class USBTransportReplayTests: XCTestCase {
    private let sysfs = SyntheticCaptures.downloadDeviceSysfs
    private let hello = SyntheticCaptures.nop
    private let reply = SyntheticCaptures.ack

    private func writeCapture(out: [UInt8], reply: [UInt8], to path: String) throws {
        try SyntheticCaptures.writeExchange(out: out, reply: reply, to: path)
    }

    private func openDownloadDevice(_ testbed: UMockDevTestbed, capture: String) throws -> USBTransport {
        try testbed.loadPcap(sysfsPath: sysfs, file: capture)
        let device = try USBEnumerator.select(DeviceSelection(path: "1-2"), from: USBEnumerator.devices())
        return try USBTransport(device: device, interface: 0)
    }

    func testWriteThenReadMatchesTheRecordedSession() throws {
        let folder = try Fixtures.temporaryDirectory()
        let capture = "\(folder)/nop.pcapng"
        try writeCapture(out: hello, reply: reply, to: capture)
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "edl-9008.umockdev")
        let transport = try openDownloadDevice(testbed, capture: capture)
        defer { transport.close() }

        XCTAssertEqual(transport.packetSize, 512)
        try transport.write(hello, deadline: .after(seconds: 5))
        let first = try transport.read(maxLength: 16, deadline: .after(seconds: 5))
        let rest = try transport.read(exactly: reply.count - 16, deadline: .after(seconds: 5))
        XCTAssertEqual(first + rest, reply, "short reads hand out the buffered remainder of one bulk packet")
    }

    func testAWriteTheDeviceDoesNotExpectTimesOutWithNothingTransferred() throws {
        let folder = try Fixtures.temporaryDirectory()
        let capture = "\(folder)/nop.pcapng"
        try writeCapture(out: hello, reply: reply, to: capture)
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "edl-9008.umockdev")
        let transport = try openDownloadDevice(testbed, capture: capture)
        defer { transport.close() }

        var wrong = hello
        wrong[10] ^= 0xFF
        XCTAssertThrowsError(try transport.write(wrong, deadline: .after(milliseconds: 300))) { error in
            guard case TransportError.timedOut(let operation, _, let transferred) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(operation, "bulk OUT on usb 1-2 if0")
            XCTAssertEqual(transferred, 0)
        }
    }

    func testInterfaceWithoutBulkEndpointsIsRefusedByName() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "edl-9008.umockdev")
        let device = try USBEnumerator.select(DeviceSelection(path: "1-2"), from: USBEnumerator.devices())
        XCTAssertThrowsError(try USBTransport(device: device, interface: 3)) { error in
            XCTAssertTrue("\(error)".contains("interface 3 has no bulk IN/OUT pair"), "\(error)")
        }
        withExtendedLifetime(testbed) {}
    }
}
