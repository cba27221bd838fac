import Foundation
import TermflashCapture
import TermflashCore

/// Captures made by hand for tests: what a device on bus 1, address 4 (as in
/// `Captures/umockdev/edl-9008.umockdev`) says to a host.
public enum SyntheticCaptures {
    /// A Firehose NOP as the host sends it.
    public static let nop = Array("<?xml version=\"1.0\" ?><data><nop /></data>".utf8)
    /// The device's ACK.
    public static let ack = Array("<?xml version=\"1.0\" ?><data><response value=\"ACK\" /></data>".utf8)

    /// A usbmon pcapng of the host writing `out` to 0x01 and the device answering `reply` on 0x81
    /// into a 512-byte buffer, written to `path`.
    public static func writeExchange(out: [UInt8] = nop, reply: [UInt8] = ack, to path: String) throws {
        var file = PcapngWriter()
        let records: [USBMonPacket] = [
            .init(urbID: 0x1000, kind: .submit, transferType: .bulk, endpoint: 0x01, device: 4, bus: 1,
                  seconds: 1, status: -115, length: UInt32(out.count), data: out),
            .init(urbID: 0x1000, kind: .complete, transferType: .bulk, endpoint: 0x01, device: 4, bus: 1,
                  seconds: 1, microseconds: 100, status: 0, length: UInt32(out.count), data: []),
            .init(urbID: 0x2000, kind: .submit, transferType: .bulk, endpoint: 0x81, device: 4, bus: 1,
                  seconds: 1, microseconds: 200, status: -115, length: 512, data: []),
            .init(urbID: 0x2000, kind: .complete, transferType: .bulk, endpoint: 0x81, device: 4, bus: 1,
                  seconds: 1, microseconds: 900, status: 0, length: UInt32(reply.count), data: reply),
        ]
        records.forEach { file.append($0) }
        try Data(file.bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A usbmon pcapng of a host sending each `out` to bulk OUT endpoint `outEndpoint` of
    /// device `device` on bus 1 and, where an exchange has a `reply`, reading it from the
    /// matching IN endpoint into a buffer of `inBuffer` bytes (what libusb submits).
    public static func writeBulkExchanges(_ exchanges: [(out: [UInt8], reply: [UInt8]?)], device: UInt8,
                                          outEndpoint: UInt8 = 0x01, inBuffer: UInt32 = 512, to path: String) throws {
        var file = PcapngWriter()
        for (index, exchange) in exchanges.enumerated() {
            let urb = UInt64(0x1000 + index * 0x20)
            let at = Int64(1 + index)
            file.append(.init(urbID: urb, kind: .submit, transferType: .bulk, endpoint: outEndpoint, device: device, bus: 1,
                              seconds: at, status: -115, length: UInt32(exchange.out.count), data: exchange.out))
            file.append(.init(urbID: urb, kind: .complete, transferType: .bulk, endpoint: outEndpoint, device: device, bus: 1,
                              seconds: at, microseconds: 100, status: 0, length: UInt32(exchange.out.count), data: []))
            guard let reply = exchange.reply else { continue }
            file.append(.init(urbID: urb + 0x10, kind: .submit, transferType: .bulk, endpoint: outEndpoint | 0x80, device: device, bus: 1,
                              seconds: at, microseconds: 200, status: -115, length: inBuffer, data: []))
            file.append(.init(urbID: urb + 0x10, kind: .complete, transferType: .bulk, endpoint: outEndpoint | 0x80, device: device, bus: 1,
                              seconds: at, microseconds: 900, status: 0, length: UInt32(reply.count), data: reply))
        }
        try Data(file.bytes).write(to: URL(fileURLWithPath: path))
    }

    /// The sysfs path of the download-mode device in `edl-9008.umockdev`.
    public static let downloadDeviceSysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"
}
