import TermflashCore

/// One usbmon record as Linux writes it for LINKTYPE_USB_LINUX_MMAPPED (220): a 64-byte
/// header in host (little-endian) byte order followed by the captured data.
/// Layout: Documentation/usb/usbmon.rst, "struct usbmon_packet".
public struct USBMonPacket: Equatable, Sendable {
    /// Submission or completion of an URB.
    public enum Kind: UInt8, Sendable {
        case submit = 0x53  // 'S'
        case complete = 0x43  // 'C'
        case error = 0x45  // 'E'
    }

    /// usbmon's transfer-type numbers.
    public enum TransferType: UInt8, Sendable {
        case isochronous = 0, interrupt = 1, control = 2, bulk = 3
    }

    /// The URB id that pairs a submission with its completion (non-zero).
    public var urbID: UInt64
    public var kind: Kind
    public var transferType: TransferType
    /// Endpoint address with bit 7 set for IN.
    public var endpoint: UInt8
    public var device: UInt8
    public var bus: UInt16
    /// The 8-byte setup packet of a control submission.
    public var setup: [UInt8]?
    public var seconds: Int64
    public var microseconds: Int32
    /// 0 on success, -115 (-EINPROGRESS) on a submission.
    public var status: Int32
    /// URB length: the buffer length on submission, the actual length on completion.
    public var length: UInt32
    /// The bytes captured (OUT data on submission, IN data on completion).
    public var data: [UInt8]

    /// A record; see the field documentation.
    public init(urbID: UInt64, kind: Kind, transferType: TransferType, endpoint: UInt8, device: UInt8, bus: UInt16,
                setup: [UInt8]? = nil, seconds: Int64 = 0, microseconds: Int32 = 0, status: Int32, length: UInt32,
                data: [UInt8]) {
        self.urbID = urbID
        self.kind = kind
        self.transferType = transferType
        self.endpoint = endpoint
        self.device = device
        self.bus = bus
        self.setup = setup
        self.seconds = seconds
        self.microseconds = microseconds
        self.status = status
        self.length = length
        self.data = data
    }

    /// The 64-byte header and data, as they stand in a capture file.
    public var encoded: [UInt8] {
        var writer = ByteWriter()
        writer.write(urbID, endianness: .little)
        writer.write([kind.rawValue, transferType.rawValue, endpoint, device])
        writer.write(bus, endianness: .little)
        writer.write([setup == nil ? 0x2D : 0x00])  // '-' when there is no setup packet
        writer.write([data.isEmpty ? (endpoint & 0x80 != 0 ? 0x3C : 0x3E) : 0x00])  // '<' / '>' when no data
        writer.write(UInt64(bitPattern: seconds), endianness: .little)
        writer.write(UInt32(bitPattern: microseconds), endianness: .little)
        writer.write(UInt32(bitPattern: status), endianness: .little)
        writer.write(length, endianness: .little)
        writer.write(UInt32(data.count), endianness: .little)
        writer.write(setup ?? [UInt8](repeating: 0, count: 8))
        writer.write([UInt8](repeating: 0, count: 16))  // interval, start_frame, xfer_flags, ndesc
        writer.write(data)
        return writer.bytes
    }
}
