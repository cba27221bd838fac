import TermflashCapture
import TermflashCore
import Foundation
import TestSupport
import XCTest

/// The pcap and pcapng readers on well-formed and damaged files.
final class CaptureFileTests: XCTestCase {
    private func sample() -> [UInt8] {
        var writer = PcapngWriter()
        writer.append(USBMonPacket(urbID: 7, kind: .submit, transferType: .bulk, endpoint: 0x01, device: 4, bus: 1,
                                   seconds: 10, microseconds: 5, status: -115, length: 3, data: [1, 2, 3]), comment: "hello")
        writer.append(USBMonPacket(urbID: 7, kind: .complete, transferType: .bulk, endpoint: 0x01, device: 4, bus: 1,
                                   seconds: 10, microseconds: 9, status: 0, length: 3, data: []))
        return writer.bytes
    }

    func testPcapngRoundTripWithTimesAndComments() throws {
        let file = try CaptureFile(bytes: sample(), name: "s.pcapng")
        XCTAssertEqual(file.records.count, 2)
        XCTAssertEqual(file.records[0].timestampMicroseconds, 10_000_005)
        XCTAssertEqual(file.records[0].comment, "hello")
        XCTAssertEqual(file.records[0].linkType, 220)
        let capture = try USBCapture(file)
        XCTAssertEqual(capture.events[0].packet.data, [1, 2, 3])
        XCTAssertEqual(capture.events[1].packet.kind, .complete)
        XCTAssertEqual(capture.events[1].packet.urbID, 7)
    }

    func testClassicPcapInBothByteOrdersAndNanosecondResolution() throws {
        let packet = USBMonPacket(urbID: 9, kind: .complete, transferType: .bulk, endpoint: 0x81, device: 2, bus: 3,
                                  status: 0, length: 2, data: [0xAA, 0xBB]).encoded
        for (magic, big) in [(UInt32(0xA1B2_C3D4), false), (0xA1B2_C3D4, true), (0xA1B2_3C4D, false)] {
            var writer = ByteWriter()
            let order: Endianness = big ? .big : .little
            writer.write(magic, endianness: order)
            writer.write(UInt16(2), endianness: order)
            writer.write(UInt16(4), endianness: order)
            writer.write([UInt8](repeating: 0, count: 8))
            writer.write(UInt32(65535), endianness: order)
            writer.write(UInt32(220), endianness: order)
            writer.write(UInt32(5), endianness: order)
            writer.write(UInt32(magic == 0xA1B2_3C4D ? 7000 : 7), endianness: order)
            writer.write(UInt32(packet.count), endianness: order)
            writer.write(UInt32(packet.count), endianness: order)
            writer.write(packet)
            let file = try CaptureFile(bytes: writer.bytes, name: "c.pcap")
            XCTAssertEqual(file.records.first?.timestampMicroseconds, 5_000_007)
            XCTAssertEqual(try USBCapture(file).events.first?.packet.data, [0xAA, 0xBB])
        }
    }

    func testUSBPcapRecordsBecomeTheSameModel() throws {
        var record = ByteWriter()
        record.write(UInt16(27), endianness: .little)
        record.write(UInt64(0xFEED), endianness: .little)
        record.write(UInt32(0), endianness: .little)
        record.write(UInt16(9), endianness: .little)
        record.write([1])  // completion (PDO to FDO)
        record.write(UInt16(1), endianness: .little)
        record.write(UInt16(5), endianness: .little)
        record.write([0x81, 3])
        record.write(UInt32(4), endianness: .little)
        record.write([0xDE, 0xAD, 0xBE, 0xEF])
        var writer = PcapngWriter(linkType: 249)
        writer.append(packet: record.bytes, timestampMicroseconds: 1)
        let event = try XCTUnwrap(USBCapture(CaptureFile(bytes: writer.bytes, name: "w.pcapng")).events.first)
        XCTAssertEqual(event.packet.kind, .complete)
        XCTAssertEqual(event.packet.endpoint, 0x81)
        XCTAssertEqual(event.packet.device, 5)
        XCTAssertEqual(event.packet.data, [0xDE, 0xAD, 0xBE, 0xEF])
    }

    func testEveryTruncationIsATypedErrorWithAnOffset() {
        let bytes = sample()
        for length in 0..<bytes.count {
            do {
                _ = try USBCapture(CaptureFile(bytes: Array(bytes.prefix(length)), name: "cut.pcapng"))
                // Cutting exactly at a block boundary leaves a valid, shorter file.
            } catch {
                XCTAssertTrue("\(error)".contains("cut.pcapng"), "\(error)")
            }
        }
        XCTAssertThrowsError(try CaptureFile(bytes: Array(bytes.prefix(40)), name: "cut.pcapng")) { error in
            XCTAssertEqual(error as? CaptureError, .badBlockLength(file: "cut.pcapng", offset: 28, length: 20))
        }
    }

    func testBlockLengthPastTheEndWrongLinkTypeAndBadMagic() {
        var bytes = sample()
        bytes[32] = 0xFF  // the interface block's length field
        XCTAssertThrowsError(try CaptureFile(bytes: bytes, name: "b.pcapng")) { error in
            XCTAssertTrue("\(error)".contains("block at byte offset 28"), "\(error)")
        }
        var ethernet = PcapngWriter(linkType: 1)
        ethernet.append(packet: [0, 1, 2, 3], timestampMicroseconds: 0)
        XCTAssertThrowsError(try USBCapture(CaptureFile(bytes: ethernet.bytes, name: "e.pcapng"))) { error in
            XCTAssertEqual(error as? CaptureError, .unsupportedLinkType(file: "e.pcapng", linkType: 1, record: 1))
        }
        XCTAssertThrowsError(try CaptureFile(bytes: Array("hello world".utf8), name: "t.txt")) { error in
            XCTAssertTrue("\(error)".contains("not a pcap or pcapng file"), "\(error)")
        }
    }
}

/// Captures of a whole bus: choosing the device by address or by VID:PID.
final class MultiDeviceCaptureTests: XCTestCase {
    /// Device 1:3 (a ZTE 19d2:0016) and device 1:4 (a 05c6:9008), each with its descriptor
    /// fetched by GET_DESCRIPTOR and one bulk OUT transfer, in LINKTYPE_USB_LINUX (189) records.
    private func busCapture() -> [UInt8] {
        var writer = PcapngWriter(linkType: 189)
        var urb: UInt64 = 1
        for (device, vid, pid, payload) in [(UInt8(3), UInt16(0x19D2), UInt16(0x0016), [UInt8](repeating: 0x33, count: 5)),
                                            (UInt8(4), 0x05C6, 0x9008, [UInt8](repeating: 0x44, count: 7))] {
            let descriptor: [UInt8] = [18, 1, 0, 2, 0, 0, 0, 64, UInt8(vid & 0xFF), UInt8(vid >> 8), UInt8(pid & 0xFF), UInt8(pid >> 8),
                                       0, 0, 1, 2, 3, 1]
            let records = [
                USBMonPacket(urbID: urb, kind: .submit, transferType: .control, endpoint: 0x80, device: device, bus: 1,
                             setup: [0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 18, 0], status: -115, length: 18, data: []),
                USBMonPacket(urbID: urb, kind: .complete, transferType: .control, endpoint: 0x80, device: device, bus: 1,
                             status: 0, length: 18, data: descriptor),
                USBMonPacket(urbID: urb + 1, kind: .submit, transferType: .bulk, endpoint: 0x01, device: device, bus: 1,
                             status: -115, length: UInt32(payload.count), data: payload),
            ]
            urb += 2
            for record in records {
                writer.append(packet: Array(record.encoded.prefix(48)) + record.data, timestampMicroseconds: 0)
            }
        }
        return writer.bytes
    }

    func testDevicesAreFoundWithTheirIdentities() throws {
        let capture = try USBCapture(CaptureFile(bytes: busCapture(), name: "bus.pcapng"))
        XCTAssertEqual(capture.devices.map { "\($0.bus):\($0.device) \($0.identity?.description ?? "?")" },
                       ["1:3 19d2:0016", "1:4 05c6:9008"])
    }

    func testSeveralDevicesNeedAChoiceAndEitherChoiceWorks() throws {
        let folder = try Fixtures.temporaryDirectory()
        let path = "\(folder)/bus.pcapng"
        try Data(busCapture()).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try CaptureSource.dialogue(contentsOf: path)) { error in
            XCTAssertTrue("\(error)".contains("bulk traffic of several devices (1:3, 1:4)"), "\(error)")
        }
        let byAddress = try CaptureSource.dialogue(contentsOf: path, device: CaptureDeviceFilter("1:3"))
        guard case let .bytes(first) = byAddress.steps.first?.payload else { return XCTFail() }
        XCTAssertEqual(Array(first), [UInt8](repeating: 0x33, count: 5))
        let byIdentity = try CaptureSource.dialogue(contentsOf: path, device: CaptureDeviceFilter("05c6:9008"))
        XCTAssertEqual(byIdentity.steps.first?.payload.count, 7)
        XCTAssertThrowsError(try CaptureSource.dialogue(contentsOf: path, device: CaptureDeviceFilter("1234:5678"))) { error in
            XCTAssertTrue("\(error)".contains("it holds 1:3 (19d2:0016), 1:4 (05c6:9008)"), "\(error)")
        }
    }
}
