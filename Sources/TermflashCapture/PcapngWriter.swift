import TermflashCore

/// Writes a pcapng file with one interface of a given link type (pcapng spec, IETF draft
/// "PCAP Next Generation Dump File Format": SHB, IDB, EPB blocks), little-endian.
public struct PcapngWriter {
    /// The file's bytes so far.
    public private(set) var bytes: [UInt8] = []

    /// LINKTYPE_USB_LINUX_MMAPPED, the link type of usbmon captures with 64-byte headers.
    public static let usbLinuxMmapped: UInt16 = 220

    /// Starts a file: section header and one interface description.
    public init(linkType: UInt16 = PcapngWriter.usbLinuxMmapped, snapLength: UInt32 = 0x40000) {
        var header = ByteWriter()
        header.write(UInt32(0x1A2B_3C4D), endianness: .little)
        header.write(UInt16(1), endianness: .little)
        header.write(UInt16(0), endianness: .little)
        header.write(UInt64.max, endianness: .little)  // section length unknown
        appendBlock(type: 0x0A0D_0D0A, body: header.bytes)
        var interface = ByteWriter()
        interface.write(linkType, endianness: .little)
        interface.write(UInt16(0), endianness: .little)
        interface.write(snapLength, endianness: .little)
        appendBlock(type: 1, body: interface.bytes)
    }

    /// A writer that emits packet blocks only, for appending to a file already started.
    public static func bodyOnly() -> PcapngWriter {
        var writer = PcapngWriter()
        writer.bytes = []
        return writer
    }

    /// Appends one packet as an enhanced packet block on interface 0, with an optional
    /// `opt_comment`.
    public mutating func append(packet: [UInt8], timestampMicroseconds: UInt64, comment: String? = nil) {
        var body = ByteWriter()
        body.write(UInt32(0), endianness: .little)
        body.write(UInt32(truncatingIfNeeded: timestampMicroseconds >> 32), endianness: .little)
        body.write(UInt32(truncatingIfNeeded: timestampMicroseconds), endianness: .little)
        body.write(UInt32(packet.count), endianness: .little)
        body.write(UInt32(packet.count), endianness: .little)
        body.write(packet)
        body.write([UInt8](repeating: 0, count: (4 - packet.count % 4) % 4))
        if let comment {
            let text = Array(comment.utf8)
            body.write(UInt16(1), endianness: .little)
            body.write(UInt16(text.count), endianness: .little)
            body.write(text + [UInt8](repeating: 0, count: (4 - text.count % 4) % 4))
            body.write(UInt32(0), endianness: .little)  // opt_endofopt
        }
        appendBlock(type: 6, body: body.bytes)
    }

    /// Appends a usbmon record, stamped with its own time.
    public mutating func append(_ record: USBMonPacket, comment: String? = nil) {
        let stamp = UInt64(max(record.seconds, 0)) * 1_000_000 + UInt64(max(record.microseconds, 0))
        append(packet: record.encoded, timestampMicroseconds: stamp, comment: comment)
    }

    private mutating func appendBlock(type: UInt32, body: [UInt8]) {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let total = UInt32(12 + padded.count)
        var block = ByteWriter()
        block.write(type, endianness: .little)
        block.write(total, endianness: .little)
        block.write(padded)
        block.write(total, endianness: .little)
        bytes += block.bytes
    }
}
