/// A capture file or script that cannot be read, with the byte offset or line of the fault.
public enum CaptureError: Error, Equatable, CustomStringConvertible {
    /// The file does not start with a pcap or pcapng magic number.
    case notACapture(file: String, magic: UInt32)
    /// The file ends inside a header or block.
    case truncated(file: String, offset: Int, needed: Int, available: Int)
    /// A pcapng block whose length field points past the end of the file or is malformed.
    case badBlockLength(file: String, offset: Int, length: UInt32)
    /// A record of a link type termflash cannot read as USB.
    case unsupportedLinkType(file: String, linkType: UInt16, record: Int)
    /// A USB record too short for its header.
    case badUSBRecord(file: String, record: Int, offset: Int, reason: String)
    /// A line of a umockdev script that does not parse.
    case badScriptLine(file: String, line: Int, reason: String)
    /// The file could not be read or written.
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case let .notACapture(file, magic):
            return "\(file): not a pcap or pcapng file (magic 0x\(String(magic, radix: 16)) at offset 0)"
        case let .truncated(file, offset, needed, available):
            return "\(file): truncated at byte offset \(offset): needed \(needed) bytes, \(available) left"
        case let .badBlockLength(file, offset, length):
            return "\(file): block at byte offset \(offset) has length \(length), past the end of the file or not a multiple of 4"
        case let .unsupportedLinkType(file, linkType, record):
            return "\(file): record \(record) has link type \(linkType); termflash reads USB captures (usbmon 220 or 189, USBPcap 249)"
        case let .badUSBRecord(file, record, offset, reason):
            return "\(file): record \(record) at byte offset \(offset): \(reason)"
        case let .badScriptLine(file, line, reason):
            return "\(file):\(line): \(reason)"
        case let .io(file, reason):
            return "\(file): \(reason)"
        }
    }
}
