import TermflashCore

/// A DMSS DLOAD packet, either direction (before HDLC framing). Multi-byte fields are
/// big-endian. Layouts: PROTOCOLS.md B3 (DMSS DLOAD table, after qtools).
public enum DLoadPacket: Sendable, Equatable {
    /// 0x01 WRITE: address u32, length u16, data (the 16-bit-address era; kept for decoding).
    case write(address: UInt32, data: [UInt8])
    /// 0x02 ACK.
    case ack
    /// 0x03 NAK with its reason.
    case nak(DLoadNAKReason)
    /// 0x04 ERASE: address u32, length u32.
    case erase(address: UInt32, length: UInt32)
    /// 0x05 GO: jump to address u32.
    case go(address: UInt32)
    /// 0x06 NOP.
    case nop
    /// 0x07 parameter request.
    case parameterRequest
    /// 0x08 parameter reply.
    case parameters(DLoadParameters)
    /// 0x0A RESET.
    case reset
    /// 0x0C software version request.
    case versionRequest
    /// 0x0D software version reply.
    case version(String)
    /// 0x0E POWERDOWN.
    case powerDown
    /// 0x0F WRITE32: address u32, length u16, data.
    case write32(address: UInt32, data: [UInt8])
    /// A code termflash does not decode further.
    case other(code: UInt8, body: [UInt8])

    /// Command codes.
    public enum Code {
        public static let write: UInt8 = 0x01, ack: UInt8 = 0x02, nak: UInt8 = 0x03, erase: UInt8 = 0x04
        public static let go: UInt8 = 0x05, nop: UInt8 = 0x06, parameterRequest: UInt8 = 0x07, parameters: UInt8 = 0x08
        public static let reset: UInt8 = 0x0A, versionRequest: UInt8 = 0x0C, version: UInt8 = 0x0D
        public static let powerDown: UInt8 = 0x0E, write32: UInt8 = 0x0F
    }

    /// The bytes qtools puts in one WRITE32 block.
    public static let write32BlockSize = 1017

    /// The packet bytes.
    public var payload: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case let .write(address, data):
            writer.write(Code.write, endianness: .big)
            writer.write(address, endianness: .big)
            writer.write(UInt16(truncatingIfNeeded: data.count), endianness: .big)
            writer.write(data)
        case .ack: writer.write(Code.ack, endianness: .big)
        case let .nak(reason):
            writer.write(Code.nak, endianness: .big)
            writer.write(reason.code, endianness: .big)
        case let .erase(address, length):
            writer.write(Code.erase, endianness: .big)
            writer.write(address, endianness: .big)
            writer.write(length, endianness: .big)
        case let .go(address):
            writer.write(Code.go, endianness: .big)
            writer.write(address, endianness: .big)
        case .nop: writer.write(Code.nop, endianness: .big)
        case .parameterRequest: writer.write(Code.parameterRequest, endianness: .big)
        case let .parameters(parameters): writer.write(parameters.payload)
        case .reset: writer.write(Code.reset, endianness: .big)
        case .versionRequest: writer.write(Code.versionRequest, endianness: .big)
        case let .version(text):
            let bytes = Array(text.utf8.prefix(255))
            writer.write([Code.version, UInt8(bytes.count)] + bytes)
        case .powerDown: writer.write(Code.powerDown, endianness: .big)
        case let .write32(address, data):
            writer.write(Code.write32, endianness: .big)
            writer.write(address, endianness: .big)
            writer.write(UInt16(truncatingIfNeeded: data.count), endianness: .big)
            writer.write(data)
        case let .other(code, body): writer.write([code] + body)
        }
        return writer.bytes
    }

    /// Decodes a packet; a short packet throws naming the field that is missing.
    public static func parse(_ payload: [UInt8]) throws(DLoadError) -> DLoadPacket {
        var reader = ByteReader(payload)
        guard let code = try? reader.readByte() else { throw .truncated(packet: "DLOAD packet", needed: 1, got: 0) }
        do {
            switch code {
            case Code.write, Code.write32:
                let address = try reader.read(UInt32.self, endianness: .big)
                let length = Int(try reader.read(UInt16.self, endianness: .big))
                let data = try reader.read(count: length)
                return code == Code.write ? .write(address: address, data: data) : .write32(address: address, data: data)
            case Code.ack: return .ack
            case Code.nak: return .nak(DLoadNAKReason(code: try reader.read(UInt16.self, endianness: .big)))
            case Code.erase:
                return .erase(address: try reader.read(UInt32.self, endianness: .big), length: try reader.read(UInt32.self, endianness: .big))
            case Code.go: return .go(address: try reader.read(UInt32.self, endianness: .big))
            case Code.nop: return .nop
            case Code.parameterRequest: return .parameterRequest
            case Code.parameters: return .parameters(try DLoadParameters(&reader))
            case Code.reset: return .reset
            case Code.versionRequest: return .versionRequest
            case Code.version:
                let length = Int(try reader.readByte())
                return .version(fixedString(try reader.read(count: min(length, reader.remaining))))
            case Code.powerDown: return .powerDown
            default: return .other(code: code, body: Array(payload.dropFirst()))
            }
        } catch {
            throw .truncated(packet: "DLOAD 0x\(byteHex(code))", needed: payload.count + 1, got: payload.count)
        }
    }

    /// A short name for logs and `capture show`.
    public var name: String {
        switch self {
        case .write: return "WRITE"
        case .ack: return "ACK"
        case .nak: return "NAK"
        case .erase: return "ERASE"
        case .go: return "GO"
        case .nop: return "NOP"
        case .parameterRequest: return "PARAM-REQ"
        case .parameters: return "PARAMS"
        case .reset: return "RESET"
        case .versionRequest: return "SW-VERSION-REQ"
        case .version: return "SW-VERSION"
        case .powerDown: return "POWERDOWN"
        case .write32: return "WRITE32"
        case let .other(code, _): return "CMD-0x" + byteHex(code)
        }
    }
}

/// The DLOAD parameter reply (0x08): protocol version, lowest version understood, the
/// largest write the device takes, the model, the device size and type code.
public struct DLoadParameters: Sendable, Equatable, Codable {
    public var version: UInt8
    public var minimumVersion: UInt8
    public var maxWriteSize: UInt16
    public var model: UInt8
    public var deviceSize: UInt8
    public var deviceType: UInt8

    /// Parameters.
    public init(version: UInt8, minimumVersion: UInt8, maxWriteSize: UInt16, model: UInt8, deviceSize: UInt8, deviceType: UInt8) {
        self.version = version
        self.minimumVersion = minimumVersion
        self.maxWriteSize = maxWriteSize
        self.model = model
        self.deviceSize = deviceSize
        self.deviceType = deviceType
    }

    init(_ reader: inout ByteReader) throws(ByteReaderError) {
        version = try reader.readByte()
        minimumVersion = try reader.readByte()
        maxWriteSize = try reader.read(UInt16.self, endianness: .big)
        model = try reader.readByte()
        deviceSize = try reader.readByte()
        deviceType = try reader.readByte()
    }

    var payload: [UInt8] {
        var writer = ByteWriter()
        writer.write([DLoadPacket.Code.parameters, version, minimumVersion])
        writer.write(maxWriteSize, endianness: .big)
        writer.write([model, deviceSize, deviceType])
        return writer.bytes
    }
}
