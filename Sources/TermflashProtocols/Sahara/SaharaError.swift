import TermflashCore

/// Why a Sahara exchange failed, with what the user can do about it.
public enum SaharaError: Error, Equatable, CustomStringConvertible {
    /// A packet declared a length its command does not have.
    case badLength(packet: String, declared: UInt32, expected: Int)
    /// A command identifier outside the protocol.
    case unknownCommand(UInt32)
    /// A mode outside 0–3.
    case unknownMode(UInt32)
    /// A packet shorter than its fields.
    case truncated(String)
    /// The device sent something else than the step expects.
    case unexpected(packet: String, while: String)
    /// The device ended an image or a command with a failure status.
    case deviceStatus(SaharaStatus, during: String)
    /// The device is in memory-debug (crash dump) mode: it wants a host to collect RAM, not a programmer.
    case memoryDebugMode(tableAddress: UInt64, tableLength: UInt64)
    /// The device asked for bytes outside the image.
    case readOutsideImage(imageID: UInt64, offset: UInt64, length: UInt64, imageSize: UInt64)
    /// The device asked for an image the host was not given.
    case unknownImage(UInt64, known: [UInt64])
    /// No HELLO arrived.
    case noHello(waitedMilliseconds: Int)

    public var description: String {
        switch self {
        case let .badLength(packet, declared, expected):
            return "Sahara \(packet) declares \(declared) bytes, the protocol has \(expected): the device is not speaking Sahara, or the stream lost bytes; power-cycle it into EDL"
        case let .unknownCommand(command):
            return "Sahara command 0x\(String(command, radix: 16)) is unknown: the device speaks a newer Sahara or is already running a programmer (try without --programmer)"
        case let .unknownMode(mode):
            return "Sahara mode \(mode) is unknown (0 image transfer, 1 complete, 2 memory debug, 3 command)"
        case let .truncated(detail):
            return "Sahara packet is truncated: \(detail)"
        case let .unexpected(packet, step):
            return "Sahara: the device sent \(packet) while \(step)"
        case let .deviceStatus(status, step):
            return "Sahara: the device reported \(status) during \(step)"
        case let .memoryDebugMode(address, length):
            return "the device is in memory-debug (crash dump) mode, table at 0x\(String(address, radix: 16)) (\(length) bytes): it crashed and waits for a RAM dump, not a programmer; collect the dump with a ramdump tool or power-cycle it into EDL (hold the EDL key or short the test point)"
        case let .readOutsideImage(image, offset, length, size):
            return "Sahara: the device asked for \(length) bytes at \(offset) of image \(image), which has \(size) bytes: the programmer file is truncated or not the one this SoC expects"
        case let .unknownImage(image, known):
            return "Sahara: the device asked for image \(image) but only \(known.map(String.init).joined(separator: ", ")) were given; this SoC wants another programmer set"
        case let .noHello(waited):
            return "no Sahara HELLO within \(waited) ms: the device is not in EDL (05c6:9008), or a programmer is already running (try again without --programmer)"
        }
    }
}

/// A Sahara status code (END_OF_IMAGE, HELLO_RESP) with its reason.
public struct SaharaStatus: RawRepresentable, Equatable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Success.
    public static let success = SaharaStatus(rawValue: 0)

    /// The reason, as the protocol defines it (note edl's strings are shifted by one; these are not).
    public var reason: String {
        Self.reasons[rawValue] ?? "unknown status"
    }

    public var description: String { "status 0x\(String(rawValue, radix: 16)) (\(reason))" }

    private static let reasons: [UInt32: String] = [
        0x00: "success", 0x01: "invalid command", 0x02: "protocol mismatch", 0x03: "invalid target protocol",
        0x04: "invalid host protocol", 0x05: "invalid packet size", 0x06: "unexpected image ID",
        0x07: "invalid header size", 0x08: "invalid data size", 0x09: "invalid image type",
        0x0A: "invalid transmit length", 0x0B: "invalid receive length", 0x0C: "general transmit/receive error",
        0x0D: "read data error", 0x0E: "unsupported number of program headers", 0x0F: "invalid program header size",
        0x10: "multiple shared segments", 0x11: "uninitialised program header location", 0x12: "invalid destination address",
        0x13: "invalid ELF header", 0x14: "image has no segments", 0x15: "receive timeout", 0x16: "transmit timeout",
        0x17: "invalid host mode", 0x18: "invalid memory read", 0x19: "invalid data size request",
        0x1A: "memory debug not supported", 0x1B: "invalid mode switch", 0x1C: "command execution failure",
        0x1D: "invalid command parameter", 0x1E: "unsupported command", 0x1F: "invalid client command",
        0x20: "hash table authentication failure (programmer not signed for this device)",
        0x21: "hash verification failure (programmer corrupted or not for this device)",
        0x22: "hash table not found", 0x23: "target initialisation failure",
        0x24: "image authentication failure (programmer not signed for this device)",
        0x25: "invalid ELF hash table size", 0x26: "image size invalid", 0x27: "enumeration failure",
        0x28: "hardware bulk transfer error",
    ]
}
