import TermflashCore

/// A Streaming DLOAD ("QCOM fast download protocol") packet, either direction, before
/// HDLC framing. Fields are little-endian. Layouts: PROTOCOLS.md B3 (Streaming DLOAD table).
public enum StreamingDLoadPacket: Sendable, Equatable {
    /// 0x01: the host's hello.
    case hello(StreamingHello)
    /// 0x02: the device's hello reply.
    case helloReply(StreamingHelloReply)
    /// 0x03: read `length` bytes at `address`.
    case read(address: UInt32, length: UInt16)
    /// 0x04: read reply: address and data.
    case readReply(address: UInt32, data: [UInt8])
    /// 0x07: stream write at `address` (relative to the open image).
    case streamWrite(address: UInt32, data: [UInt8])
    /// 0x08: the write at `address` was taken.
    case streamWriteReply(address: UInt32)
    /// 0x09 / 0x0A: NOP with an identifier the device echoes.
    case nop(identifier: UInt32)
    case nopReply(identifier: UInt32)
    /// 0x0B / 0x0C: reset.
    case reset
    case resetReply
    /// 0x0D: error code and text.
    case error(StreamingDLoadErrorCode, text: String)
    /// 0x0E: a log line from the device.
    case log(String)
    /// 0x11 / 0x12: power off.
    case powerOff
    case powerOffReply
    /// 0x15 / 0x16: close the open image (the device finishes writing it).
    case close
    case closeReply
    /// 0x17 / 0x18: security mode (0 untrusted, 1 trusted).
    case securityMode(UInt8)
    case securityModeReply
    /// 0x19: the partition table (MIBIB "write" form), with the override flag.
    case partitionTable(override: Bool, table: [UInt8])
    /// 0x1A: 0 accepted, 1 differs (override accepted), 2 unknown format, 3 erase failed.
    case partitionTableReply(status: UInt8)
    /// 0x1B: open an image of `type`, with a payload for types that take one (a partition name).
    case openMultiImage(type: UInt8, payload: [UInt8])
    /// 0x1C: 0 OK, 1 payload too long, 2 no payload expected, 3 payload required, 4 write-protected.
    case openMultiImageReply(status: UInt8)
    /// A code termflash does not decode further.
    case other(code: UInt8, body: [UInt8])

    /// Open-multi-image types termflash uses (PROTOCOLS.md B3).
    public enum ImageType {
        public static let pbl: UInt8 = 0x01, amss: UInt8 = 0x05, custom: UInt8 = 0x0E, dbl: UInt8 = 0x0F
        public static let osbl: UInt8 = 0x10, raw: UInt8 = 0x13
    }

    /// The bytes of the packet.
    public var payload: [UInt8] {
        var writer = ByteWriter()
        func u32(_ value: UInt32) { writer.write(value, endianness: .little) }
        writer.write(code, endianness: .little)
        switch self {
        case let .hello(hello): writer.write(hello.body)
        case let .helloReply(reply): writer.write(reply.body)
        case let .read(address, length):
            u32(address)
            writer.write(length, endianness: .little)
        case let .readReply(address, data), let .streamWrite(address, data):
            u32(address)
            writer.write(data)
        case let .streamWriteReply(address): u32(address)
        case let .nop(identifier), let .nopReply(identifier): u32(identifier)
        case .reset, .resetReply, .powerOff, .powerOffReply, .close, .closeReply, .securityModeReply: break
        case let .error(code, text):
            u32(code.rawValue)
            writer.write(Array(text.utf8.prefix(63)) + [0])
        case let .log(text): writer.write(Array(text.utf8) + [0])
        case let .securityMode(mode): writer.write([mode])
        case let .partitionTable(override, table): writer.write([override ? 1 : 0] + table)
        case let .partitionTableReply(status), let .openMultiImageReply(status): writer.write([status])
        case let .openMultiImage(type, payload): writer.write([type] + payload)
        case let .other(_, body): writer.write(body)
        }
        return writer.bytes
    }

    /// The command code.
    public var code: UInt8 {
        switch self {
        case .hello: return 0x01
        case .helloReply: return 0x02
        case .read: return 0x03
        case .readReply: return 0x04
        case .streamWrite: return 0x07
        case .streamWriteReply: return 0x08
        case .nop: return 0x09
        case .nopReply: return 0x0A
        case .reset: return 0x0B
        case .resetReply: return 0x0C
        case .error: return 0x0D
        case .log: return 0x0E
        case .powerOff: return 0x11
        case .powerOffReply: return 0x12
        case .close: return 0x15
        case .closeReply: return 0x16
        case .securityMode: return 0x17
        case .securityModeReply: return 0x18
        case .partitionTable: return 0x19
        case .partitionTableReply: return 0x1A
        case .openMultiImage: return 0x1B
        case .openMultiImageReply: return 0x1C
        case let .other(code, _): return code
        }
    }

    /// Decodes a packet; a short one throws naming the packet and the bytes it lacks.
    public static func parse(_ payload: [UInt8]) throws(StreamingDLoadError) -> StreamingDLoadPacket {
        guard let code = payload.first else { throw .truncated(packet: "Streaming DLOAD packet", needed: 1, got: 0) }
        var reader = ByteReader(payload, offset: 1)
        do {
            return try parseBody(code: code, &reader, payload: payload)
        } catch let error as StreamingDLoadError {
            throw error
        } catch {
            throw .truncated(packet: Self.name(code: code), needed: reader.offset + 1, got: payload.count)
        }
    }

    private static func parseBody(code: UInt8, _ reader: inout ByteReader, payload: [UInt8]) throws -> StreamingDLoadPacket {
        func u32() throws -> UInt32 { try reader.read(UInt32.self, endianness: .little) }
        func rest() -> [UInt8] { Array(payload[reader.offset...]) }
        switch code {
        case 0x01: return .hello(try StreamingHello(&reader))
        case 0x02: return .helloReply(try StreamingHelloReply(&reader))
        case 0x03: return .read(address: try u32(), length: try reader.read(UInt16.self, endianness: .little))
        case 0x04: return .readReply(address: try u32(), data: rest())
        case 0x07: return .streamWrite(address: try u32(), data: rest())
        case 0x08: return .streamWriteReply(address: try u32())
        case 0x09: return .nop(identifier: try u32())
        case 0x0A: return .nopReply(identifier: try u32())
        case 0x0B: return .reset
        case 0x0C: return .resetReply
        case 0x0D:
            let value = try u32()
            return .error(StreamingDLoadErrorCode(rawValue: value), text: fixedString(rest()))
        case 0x0E: return .log(fixedString(rest()))
        case 0x11: return .powerOff
        case 0x12: return .powerOffReply
        case 0x15: return .close
        case 0x16: return .closeReply
        case 0x17: return .securityMode(try reader.readByte())
        case 0x18: return .securityModeReply
        case 0x19:
            let override = try reader.readByte() != 0
            return .partitionTable(override: override, table: rest())
        case 0x1A: return .partitionTableReply(status: try reader.readByte())
        case 0x1B:
            let type = try reader.readByte()
            return .openMultiImage(type: type, payload: rest())
        case 0x1C: return .openMultiImageReply(status: try reader.readByte())
        default: return .other(code: code, body: rest())
        }
    }

    /// A short name for logs and `capture show`.
    public var name: String { Self.name(code: code) }

    /// The name of a command code.
    public static func name(code: UInt8) -> String {
        let names: [UInt8: String] = [
            0x01: "HELLO", 0x02: "HELLO-REPLY", 0x03: "READ", 0x04: "READ-REPLY", 0x05: "SIMPLE-WRITE", 0x06: "SIMPLE-WRITE-REPLY",
            0x07: "STREAM-WRITE", 0x08: "STREAM-WRITE-REPLY", 0x09: "NOP", 0x0A: "NOP-REPLY", 0x0B: "RESET", 0x0C: "RESET-REPLY",
            0x0D: "ERROR", 0x0E: "LOG", 0x0F: "UNLOCK", 0x10: "UNLOCK-REPLY", 0x11: "POWER-OFF", 0x12: "POWER-OFF-REPLY",
            0x13: "OPEN", 0x14: "OPEN-REPLY", 0x15: "CLOSE", 0x16: "CLOSE-REPLY", 0x17: "SECURITY-MODE", 0x18: "SECURITY-MODE-REPLY",
            0x19: "PARTITION-TABLE", 0x1A: "PARTITION-TABLE-REPLY", 0x1B: "OPEN-MULTI-IMAGE", 0x1C: "OPEN-MULTI-IMAGE-REPLY",
            0x1D: "ERASE-FLASH", 0x1E: "ERASE-FLASH-REPLY", 0x30: "UNFRAMED-STREAM-WRITE", 0x31: "UNFRAMED-STREAM-WRITE-REPLY",
        ]
        return names[code] ?? "CMD-0x" + byteHex(code)
    }
}
