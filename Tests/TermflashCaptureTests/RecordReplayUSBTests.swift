import Foundation
import TermflashCapture
import TermflashCore
import TermflashHardware
import TestSupport
import XCTest

/// Record a real libusb session, then replay the recording through umockdev (libusb again)
/// and through the in-process replay transport.
final class RecordReplayUSBTests: XCTestCase {
    private func exchange(over transport: Transport) throws -> [UInt8] {
        try transport.write(SyntheticCaptures.nop, deadline: .after(seconds: 5))
        return try transport.read(exactly: SyntheticCaptures.ack.count, deadline: .after(seconds: 5))
    }

    private func usbSession(replaying capture: String, recordInto writer: PcapngCaptureWriter? = nil) throws -> [UInt8] {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "edl-9008.umockdev")
        try testbed.loadPcap(sysfsPath: SyntheticCaptures.downloadDeviceSysfs, file: capture)
        let device = try USBEnumerator.select(DeviceSelection(path: "1-2"), from: USBEnumerator.devices())
        let transport = try USBTransport(device: device, interface: 0)
        transport.observer = writer
        defer {
            transport.close()
            writer?.close()
        }
        return try exchange(over: transport)
    }

    func testARecordingReplaysThroughUMockDevAndInProcess() throws {
        let folder = try Fixtures.temporaryDirectory()
        try SyntheticCaptures.writeExchange(to: "\(folder)/source.pcapng")
        let recorded = "\(folder)/recorded.pcapng"
        XCTAssertEqual(try usbSession(replaying: "\(folder)/source.pcapng",
                                      recordInto: PcapngCaptureWriter(path: recorded)), SyntheticCaptures.ack)

        XCTAssertEqual(try usbSession(replaying: recorded), SyntheticCaptures.ack, "libusb under umockdev replays it")
        let replay = ReplayTransport(try CaptureSource.dialogue(contentsOf: recorded))
        XCTAssertEqual(try exchange(over: replay), SyntheticCaptures.ack, "the replay transport serves it")
        XCTAssertNoThrow(try replay.verifyFinished())
    }

    func testRecordingOpensInWireshark() throws {
        let tshark = try XCTUnwrap(which("tshark"), "tshark is missing: 'make test' installs it")
        let folder = try Fixtures.temporaryDirectory()
        try SyntheticCaptures.writeExchange(to: "\(folder)/source.pcapng")
        let recorded = "\(folder)/recorded.pcapng"
        _ = try usbSession(replaying: "\(folder)/source.pcapng", recordInto: PcapngCaptureWriter(path: recorded))
        let result = try runProcess(tshark, ["-r", recorded, "-T", "fields", "-e", "frame.number",
                                             "-e", "usb.endpoint_address", "-e", "usb.urb_type", "-e", "usb.data_len"],
                                    environment: ["HOME": folder])
        XCTAssertEqual(result.status, 0, result.standardError)
        let rows = result.standardOutput.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(rows.count, 4, result.standardOutput)
        XCTAssertEqual(rows.map { $0[1] }, ["0x01", "0x01", "0x81", "0x81"], result.standardOutput)
        XCTAssertEqual(rows.map { $0[3] }, ["\(SyntheticCaptures.nop.count)", "0", "0", "\(SyntheticCaptures.ack.count)"],
                       result.standardOutput)
    }

    func testHashedRecordingKeepsNoPayloadButStillChecksIt() throws {
        let folder = try Fixtures.temporaryDirectory()
        let firmware = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try SyntheticCaptures.writeExchange(out: firmware, to: "\(folder)/source.pcapng")
        let hashed = "\(folder)/hashed.pcapng"
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "edl-9008.umockdev")
        try testbed.loadPcap(sysfsPath: SyntheticCaptures.downloadDeviceSysfs, file: "\(folder)/source.pcapng")
        let device = try USBEnumerator.select(DeviceSelection(path: "1-2"), from: USBEnumerator.devices())
        let transport = try USBTransport(device: device, interface: 0)
        let writer = try PcapngCaptureWriter(path: hashed, payloads: .hash(threshold: 1024))
        transport.observer = writer
        try transport.write(firmware, deadline: .after(seconds: 5))
        _ = try transport.read(exactly: SyntheticCaptures.ack.count, deadline: .after(seconds: 5))
        transport.close()
        writer.close()

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: hashed)))
        XCTAssertLessThan(bytes.count, 1000, "the 3000-byte payload is not in the file")
        let good = ReplayTransport(try CaptureSource.dialogue(contentsOf: hashed))
        try good.write(firmware, deadline: .never)
        XCTAssertEqual(try good.read(exactly: SyntheticCaptures.ack.count, deadline: .never), SyntheticCaptures.ack)
        var tampered = firmware
        tampered[2999] ^= 0x80
        XCTAssertThrowsError(try ReplayTransport(try CaptureSource.dialogue(contentsOf: hashed)).write(tampered, deadline: .never))
    }

    func testCommittedCaptureReplaysThroughUMockDev() throws {
        let committed = Fixtures.path("usb/edl-9008-firehose-nop.pcapng")
        XCTAssertEqual(try usbSession(replaying: committed), SyntheticCaptures.ack)
    }
}
