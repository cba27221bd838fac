import Foundation
import TermflashCore

/// One packet of a pcap or pcapng file: where its bytes are, when, and on which link.
public struct CaptureRecord: Sendable, Equatable {
    /// 1-based record number, as Wireshark numbers frames.
    public var number: Int
    /// Byte offset of the record's block or header in the file.
    public var fileOffset: Int
    /// Microseconds since the epoch.
    public var timestampMicroseconds: UInt64
    /// The link type of the interface it was captured on.
    public var linkType: UInt16
    /// Where the packet bytes lie in ``CaptureFile/bytes``.
    public var payload: Range<Int>
    /// The pcapng `opt_comment` of the packet, if any.
    public var comment: String?
}

/// A whole pcap or pcapng file in memory, split into records without copying packet data.
/// Formats: libpcap's classic file (both byte orders, micro- and nanosecond variants) and
/// pcapng (IETF draft-ietf-opsawg-pcapng: SHB, IDB, EPB, SPB; other blocks skipped).
public struct CaptureFile: Sendable {
    /// The file name used in errors.
    public let name: String
    /// The file's bytes.
    public let bytes: [UInt8]
    /// Every packet record, in file order.
    public private(set) var records: [CaptureRecord] = []

    /// Reads and indexes the file at `path`.
    public init(contentsOf path: String) throws(CaptureError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(file: path, reason: "cannot be read (missing or not permitted)")
        }
        try self.init(bytes: [UInt8](data), name: path)
    }

    /// Indexes capture bytes already in memory.
    public init(bytes: [UInt8], name: String) throws(CaptureError) {
        self.name = name
        self.bytes = bytes
        guard bytes.count >= 4 else { throw .truncated(file: name, offset: 0, needed: 4, available: bytes.count) }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        switch magic {
        case 0x0A0D_0D0A:
            var indexer = PcapngIndexer(file: name, bytes: bytes)
            records = try indexer.index()
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1: records = try PcapIndexer(file: name, bytes: bytes).index()
        default: throw .notACapture(file: name, magic: magic)
        }
    }

    /// The packet bytes of a record.
    public func payload(of record: CaptureRecord) -> ArraySlice<UInt8> {
        bytes[record.payload]
    }
}

/// Bounds-checked little/big-endian reads over the file with errors that carry the offset.
struct CaptureCursor {
    let file: String
    let bytes: [UInt8]
    var endianness: Endianness = .little

    func require(_ offset: Int, _ count: Int) throws(CaptureError) {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw .truncated(file: file, offset: offset, needed: count, available: max(0, bytes.count - offset))
        }
    }

    func u16(_ offset: Int) throws(CaptureError) -> UInt16 {
        try require(offset, 2)
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return endianness == .little ? a | b << 8 : a << 8 | b
    }

    func u32(_ offset: Int) throws(CaptureError) -> UInt32 {
        try require(offset, 4)
        let a = UInt32(bytes[offset]), b = UInt32(bytes[offset + 1])
        let c = UInt32(bytes[offset + 2]), d = UInt32(bytes[offset + 3])
        return endianness == .little ? a | b << 8 | c << 16 | d << 24 : a << 24 | b << 16 | c << 8 | d
    }
}
