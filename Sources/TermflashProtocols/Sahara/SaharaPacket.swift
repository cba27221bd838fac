import TermflashCore

/// One Sahara packet, either direction. Every packet starts with `command:u32, length:u32`
/// (little-endian, the length covering the whole packet); layouts follow linux-msm/qdl's
/// `sahara.c` and Qualcomm's 80-N1008-1 as summarised in PROTOCOLS.md B1.
public enum SaharaPacket: Equatable, Sendable {
    case hello(version: UInt32, compatible: UInt32, maxCommandLength: UInt32, mode: SaharaMode)
    case helloResponse(version: UInt32, compatible: UInt32, status: UInt32, mode: SaharaMode)
    case readData(imageID: UInt32, offset: UInt32, length: UInt32)
    case endOfImage(imageID: UInt32, status: UInt32)
    case done
    case doneResponse(imageTransferStatus: UInt32)
    case reset
    case resetResponse
    case memoryDebug(tableAddress: UInt32, tableLength: UInt32)
    case memoryRead(address: UInt32, length: UInt32)
    case commandReady
    case switchMode(SaharaMode)
    case execute(SaharaClientCommand)
    case executeResponse(SaharaClientCommand, dataLength: UInt32)
    case executeData(SaharaClientCommand)
    case memoryDebug64(tableAddress: UInt64, tableLength: UInt64)
    case memoryRead64(address: UInt64, length: UInt64)
    case readData64(imageID: UInt64, offset: UInt64, length: UInt64)
    case resetStateMachine

    /// The command identifier on the wire.
    public var command: UInt32 {
        switch self {
        case .hello: return 0x01
        case .helloResponse: return 0x02
        case .readData: return 0x03
        case .endOfImage: return 0x04
        case .done: return 0x05
        case .doneResponse: return 0x06
        case .reset: return 0x07
        case .resetResponse: return 0x08
        case .memoryDebug: return 0x09
        case .memoryRead: return 0x0A
        case .commandReady: return 0x0B
        case .switchMode: return 0x0C
        case .execute: return 0x0D
        case .executeResponse: return 0x0E
        case .executeData: return 0x0F
        case .memoryDebug64: return 0x10
        case .memoryRead64: return 0x11
        case .readData64: return 0x12
        case .resetStateMachine: return 0x13
        }
    }

    /// The packet's name as PROTOCOLS.md and `capture show` spell it.
    public var name: String { Self.name(of: command) }

    /// The name of a command identifier, or `CMD_0xNN` for unknown ones.
    public static func name(of command: UInt32) -> String {
        let names: [UInt32: String] = [
            0x01: "HELLO", 0x02: "HELLO_RESP", 0x03: "READ_DATA", 0x04: "END_OF_IMAGE", 0x05: "DONE", 0x06: "DONE_RESP",
            0x07: "RESET", 0x08: "RESET_RESP", 0x09: "MEMORY_DEBUG", 0x0A: "MEMORY_READ", 0x0B: "CMD_READY",
            0x0C: "SWITCH_MODE", 0x0D: "EXECUTE", 0x0E: "EXECUTE_RESP", 0x0F: "EXECUTE_DATA", 0x10: "MEMORY_DEBUG_64",
            0x11: "MEMORY_READ_64", 0x12: "READ_DATA_64", 0x13: "RESET_STATE_MACHINE", 0x14: "WRITE_DATA",
        ]
        return names[command] ?? "CMD_0x" + String(command, radix: 16)
    }

    /// The packet's bytes.
    public func encoded() -> [UInt8] {
        var body = ByteWriter()
        switch self {
        case let .hello(version, compatible, maxLength, mode):
            [version, compatible, maxLength, mode.rawValue].forEach { body.write($0, endianness: .little) }
            body.write([UInt8](repeating: 0, count: 24))
        case let .helloResponse(version, compatible, status, mode):
            [version, compatible, status, mode.rawValue].forEach { body.write($0, endianness: .little) }
            body.write([UInt8](repeating: 0, count: 24))
        case let .readData(image, offset, length):
            [image, offset, length].forEach { body.write($0, endianness: .little) }
        case let .endOfImage(image, status):
            [image, status].forEach { body.write($0, endianness: .little) }
        case .done, .reset, .resetResponse, .commandReady, .resetStateMachine:
            break
        case let .doneResponse(status):
            body.write(status, endianness: .little)
        case let .memoryDebug(address, length), let .memoryRead(address, length):
            [address, length].forEach { body.write($0, endianness: .little) }
        case let .switchMode(mode):
            body.write(mode.rawValue, endianness: .little)
        case let .execute(command), let .executeData(command):
            body.write(command.rawValue, endianness: .little)
        case let .executeResponse(command, length):
            [command.rawValue, length].forEach { body.write($0, endianness: .little) }
        case let .memoryDebug64(address, length), let .memoryRead64(address, length):
            [address, length].forEach { body.write($0, endianness: .little) }
        case let .readData64(image, offset, length):
            [image, offset, length].forEach { body.write($0, endianness: .little) }
        }
        var packet = ByteWriter()
        packet.write(command, endianness: .little)
        packet.write(UInt32(8 + body.bytes.count), endianness: .little)
        packet.write(body.bytes)
        return packet.bytes
    }

    /// The length every fixed-size packet must declare (qdl validates the same values).
    static func expectedLength(of command: UInt32) -> Int? {
        let lengths: [UInt32: Int] = [
            0x01: 0x30, 0x02: 0x30, 0x03: 0x14, 0x04: 0x10, 0x05: 0x08, 0x06: 0x0C, 0x07: 0x08, 0x08: 0x08,
            0x09: 0x10, 0x0A: 0x10, 0x0B: 0x08, 0x0C: 0x0C, 0x0D: 0x0C, 0x0E: 0x10, 0x0F: 0x0C,
            0x10: 0x18, 0x11: 0x18, 0x12: 0x20, 0x13: 0x08,
        ]
        return lengths[command]
    }

    /// Parses one whole packet (`bytes` holds exactly the declared length).
    public static func parse(_ bytes: [UInt8]) throws(SaharaError) -> SaharaPacket {
        var reader = ByteReader(bytes)
        do {
            let command = try reader.read(UInt32.self, endianness: .little)
            let length = try reader.read(UInt32.self, endianness: .little)
            guard Int(length) == bytes.count else {
                throw SaharaError.badLength(packet: name(of: command), declared: length, expected: bytes.count)
            }
            guard let expected = expectedLength(of: command) else { throw SaharaError.unknownCommand(command) }
            guard expected == bytes.count else {
                throw SaharaError.badLength(packet: name(of: command), declared: length, expected: expected)
            }
            return try body(command: command, reader: &reader)
        } catch let error as ByteReaderError {
            throw SaharaError.truncated(String(describing: error))
        } catch let error as SaharaError {
            throw error
        } catch {
            throw SaharaError.truncated(String(describing: error))
        }
    }

    private static func body(command: UInt32, reader: inout ByteReader) throws -> SaharaPacket {
        func u32() throws -> UInt32 { try reader.read(UInt32.self, endianness: .little) }
        func u64() throws -> UInt64 { try reader.read(UInt64.self, endianness: .little) }
        func mode(_ raw: UInt32) throws -> SaharaMode {
            guard let mode = SaharaMode(rawValue: raw) else { throw SaharaError.unknownMode(raw) }
            return mode
        }
        func client(_ raw: UInt32) -> SaharaClientCommand { SaharaClientCommand(rawValue: raw) }
        switch command {
        case 0x01: return .hello(version: try u32(), compatible: try u32(), maxCommandLength: try u32(), mode: try mode(try u32()))
        case 0x02: return .helloResponse(version: try u32(), compatible: try u32(), status: try u32(), mode: try mode(try u32()))
        case 0x03: return .readData(imageID: try u32(), offset: try u32(), length: try u32())
        case 0x04: return .endOfImage(imageID: try u32(), status: try u32())
        case 0x05: return .done
        case 0x06: return .doneResponse(imageTransferStatus: try u32())
        case 0x07: return .reset
        case 0x08: return .resetResponse
        case 0x09: return .memoryDebug(tableAddress: try u32(), tableLength: try u32())
        case 0x0A: return .memoryRead(address: try u32(), length: try u32())
        case 0x0B: return .commandReady
        case 0x0C: return .switchMode(try mode(try u32()))
        case 0x0D: return .execute(client(try u32()))
        case 0x0E: return .executeResponse(client(try u32()), dataLength: try u32())
        case 0x0F: return .executeData(client(try u32()))
        case 0x10: return .memoryDebug64(tableAddress: try u64(), tableLength: try u64())
        case 0x11: return .memoryRead64(address: try u64(), length: try u64())
        case 0x12: return .readData64(imageID: try u64(), offset: try u64(), length: try u64())
        default: return .resetStateMachine
        }
    }
}

/// The mode a Sahara HELLO announces and HELLO_RESP echoes.
public enum SaharaMode: UInt32, Sendable, Codable {
    case imageTransferPending = 0, imageTransferComplete = 1, memoryDebug = 2, command = 3

    /// A readable name.
    public var label: String {
        switch self {
        case .imageTransferPending: return "image transfer"
        case .imageTransferComplete: return "image transfer complete"
        case .memoryDebug: return "memory debug (crash dump)"
        case .command: return "command"
        }
    }
}

/// A client command of Sahara's command mode (EXECUTE).
public struct SaharaClientCommand: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let nop = Self(rawValue: 0x00)
    public static let serialNumber = Self(rawValue: 0x01)
    public static let msmHardwareID = Self(rawValue: 0x02)
    public static let oemPublicKeyHash = Self(rawValue: 0x03)
    public static let switchToDMSSDownload = Self(rawValue: 0x04)
    public static let switchToStreamingDownload = Self(rawValue: 0x05)
    public static let readDebugData = Self(rawValue: 0x06)
    public static let sblVersion = Self(rawValue: 0x07)
    public static let commandList = Self(rawValue: 0x08)
    public static let trainingData = Self(rawValue: 0x09)
    public static let chipIDv3 = Self(rawValue: 0x0A)
}

/// Splits a Sahara byte stream into packets. Sans-I/O: feed bytes in any chunks; `next()`
/// returns `nil` until a whole packet is buffered, and throws for a header that cannot be one.
public struct SaharaDecoder {
    private var buffer: [UInt8] = []
    /// The longest packet accepted (READ_DATA_64 is the longest at 0x20; HELLO 0x30).
    public static let maximumPacketLength = 0x400

    /// An empty decoder.
    public init() {}

    /// Appends received bytes.
    public mutating func feed(_ bytes: [UInt8]) { buffer += bytes }

    /// Bytes received but not yet returned as a packet.
    public var buffered: Int { buffer.count }

    /// Takes `count` raw bytes that follow a packet (EXECUTE data), if buffered.
    public mutating func takeRaw(_ count: Int) -> [UInt8]? {
        guard buffer.count >= count else { return nil }
        defer { buffer.removeFirst(count) }
        return Array(buffer.prefix(count))
    }

    /// The next whole packet, `nil` if more bytes are needed.
    public mutating func next() throws(SaharaError) -> SaharaPacket? {
        guard buffer.count >= 8 else { return nil }
        var reader = ByteReader(Array(buffer.prefix(8)))
        let command = (try? reader.read(UInt32.self, endianness: .little)) ?? 0
        let length = Int((try? reader.read(UInt32.self, endianness: .little)) ?? 0)
        guard length >= 8, length <= Self.maximumPacketLength else {
            buffer.removeAll()
            throw SaharaError.badLength(packet: SaharaPacket.name(of: command), declared: UInt32(clamping: length), expected: SaharaPacket.expectedLength(of: command) ?? 8)
        }
        guard buffer.count >= length else { return nil }
        let packet = Array(buffer.prefix(length))
        buffer.removeFirst(length)
        return try SaharaPacket.parse(packet)
    }
}
