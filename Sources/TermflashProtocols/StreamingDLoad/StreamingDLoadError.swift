import TermflashCore

/// A Streaming DLOAD error code (the u32 of an ERROR packet), PROTOCOLS.md B3.
public struct StreamingDLoadErrorCode: Sendable, Equatable, CustomStringConvertible {
    public var rawValue: UInt32

    /// A code.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let badDestination = Self(rawValue: 0x02), badLength = Self(rawValue: 0x03), earlyEnd = Self(rawValue: 0x04)
    public static let badCommand = Self(rawValue: 0x05), failed = Self(rawValue: 0x07), wrongFlashID = Self(rawValue: 0x08)
    public static let badVpp = Self(rawValue: 0x09), verifyFailed = Self(rawValue: 0x0A), badSecurityCode = Self(rawValue: 0x0C)
    public static let cannotPowerDown = Self(rawValue: 0x0D), nandNotSupported = Self(rawValue: 0x0E)
    public static let outOfSequence = Self(rawValue: 0x0F), closeFailed = Self(rawValue: 0x10)
    public static let badFeatureBits = Self(rawValue: 0x11), outOfSpace = Self(rawValue: 0x12)
    public static let badSecurityMode = Self(rawValue: 0x13), multiImageNotSupported = Self(rawValue: 0x14)
    public static let powerOffNotSupported = Self(rawValue: 0x15)

    /// What it means.
    public var meaning: String {
        let meanings: [UInt32: String] = [
            0x02: "bad destination address", 0x03: "bad length", 0x04: "packet ended early", 0x05: "unknown command",
            0x07: "operation failed", 0x08: "wrong flash id", 0x09: "bad programming voltage", 0x0A: "verify failed",
            0x0C: "bad security code", 0x0D: "cannot power down", 0x0E: "NAND not supported by this programmer",
            0x0F: "command out of sequence", 0x10: "close failed", 0x11: "bad feature bits", 0x12: "out of space",
            0x13: "bad security mode", 0x14: "multi-image not supported", 0x15: "power-off not supported",
        ]
        return meanings[rawValue] ?? "unknown error"
    }

    public var description: String { "error 0x\(String(rawValue, radix: 16)) (\(meaning))" }
}

/// Why a Streaming DLOAD exchange failed.
public enum StreamingDLoadError: Error, Equatable, CustomStringConvertible {
    case truncated(packet: String, needed: Int, got: Int)
    /// A hello whose magic string is not the protocol's.
    case badMagic(found: String)
    /// The device sent an ERROR packet.
    case deviceError(command: String, code: StreamingDLoadErrorCode, text: String, log: [String])
    /// A reply that does not answer the command.
    case unexpectedReply(command: String, reply: String)
    /// A status byte other than 0 (open multi-image, partition table).
    case status(command: String, status: UInt8, meaning: String)
    /// A stream-write reply for another address than the oldest outstanding write.
    case writeOutOfOrder(expected: UInt32, got: UInt32)
    /// The partition table cannot be read or has no such partition.
    case partitionTable(String)
    case link(HDLCLinkError)

    public var description: String {
        switch self {
        case let .truncated(packet, needed, got): return "Streaming DLOAD \(packet) has \(got) bytes, needs \(needed)"
        case let .badMagic(found): return "Streaming DLOAD hello has magic \"\(found)\"; the programmer does not speak Streaming DLOAD"
        case let .deviceError(command, code, text, log):
            return "the device answered \(command) with \(code)" + (text.isEmpty ? "" : ": \(text)")
                + (log.isEmpty ? "" : " (device log: \(log.joined(separator: " | ")))")
        case let .unexpectedReply(command, reply): return "Streaming DLOAD \(command) was answered with \(reply)"
        case let .status(command, status, meaning): return "Streaming DLOAD \(command) returned status \(status): \(meaning)"
        case let .writeOutOfOrder(expected, got):
            return "stream-write reply for address 0x\(String(got, radix: 16)), expected 0x\(String(expected, radix: 16)); a write was lost"
        case let .partitionTable(text): return text
        case let .link(error): return "Streaming DLOAD: \(error)"
        }
    }
}
