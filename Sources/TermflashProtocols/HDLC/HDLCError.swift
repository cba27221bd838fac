import TermflashCore

/// A frame that cannot be trusted; the decoder has already dropped it and resynchronised
/// on the next flag, so decoding can go on.
public enum HDLCError: Error, Equatable, CustomStringConvertible {
    /// The CRC-16/X.25 in the frame is not the CRC of its payload.
    case badCRC(expected: UInt16, actual: UInt16, payloadLength: Int)
    /// Fewer than three bytes between flags: no room for a payload and a CRC.
    case tooShort(length: Int)
    /// A frame grew past the limit without a closing flag (garbage or a lost flag).
    case oversized(limit: Int)
    /// An escape byte 0x7D directly before a flag.
    case danglingEscape

    public var description: String {
        switch self {
        case let .badCRC(expected, actual, length):
            return "HDLC frame of \(length) payload bytes has CRC 0x\(hex16(actual)), expected 0x\(hex16(expected))"
        case let .tooShort(length):
            return "HDLC frame of \(length) bytes is too short for a payload and a CRC"
        case let .oversized(limit):
            return "HDLC frame longer than \(limit) bytes without a closing flag"
        case .danglingEscape:
            return "HDLC frame ends in an escape byte (0x7D before 0x7E)"
        }
    }
}

func hex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
