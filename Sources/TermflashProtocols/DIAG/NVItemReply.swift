import TermflashCore

/// An NV read/write reply: item u16 LE, data[128], status u16 LE (PROTOCOLS.md B4); the
/// indexed form (0x4B 0x30 0x01 0x00) adds an index u16 after the item.
public struct NVItemReply: Sendable, Equatable {
    /// NV status codes.
    public enum Status: UInt16, Sendable {
        case ok = 0, internalError = 1, badCommand = 2, full = 3, failed = 4, inactive = 5
        case badParameter = 6, readOnly = 7, undefinedItem = 8, noMemory = 9

        /// What it means, in words.
        public var meaning: String {
            switch self {
            case .ok: return "done"
            case .internalError: return "internal DMSS error"
            case .badCommand: return "unrecognised NV command"
            case .full: return "NV memory is full"
            case .failed: return "the NV operation failed"
            case .inactive: return "the item was never written (inactive)"
            case .badParameter: return "bad parameter"
            case .readOnly: return "the item is read-only"
            case .undefinedItem: return "the item is not defined on this firmware"
            case .noMemory: return "the device ran out of memory"
            }
        }
    }

    /// Whether the reply answers a write (0x27) rather than a read.
    public var isWrite: Bool
    public var item: UInt16
    /// Set for indexed reads.
    public var index: UInt16?
    /// The 128 data bytes.
    public var data: [UInt8]
    /// The raw status; ``status`` when it is a known one.
    public var statusCode: UInt16

    /// The status, when known.
    public var status: Status? { Status(rawValue: statusCode) }

    /// A reply.
    public init(item: UInt16, index: UInt16? = nil, data: [UInt8], status: Status, isWrite: Bool = false) {
        self.item = item
        self.index = index
        self.data = DIAGRequest.padded(data)
        statusCode = status.rawValue
        self.isWrite = isWrite
    }

    /// Decodes a plain 0x26/0x27 reply.
    init(_ payload: [UInt8]) throws(DIAGError) {
        let needed = 3 + DIAGRequest.nvDataSize + 2
        guard payload.count >= needed else { throw .truncated(command: "NV reply", needed: needed, got: payload.count) }
        isWrite = payload[0] == DIAGRequest.Code.nvWrite
        item = UInt16(payload[1]) | UInt16(payload[2]) << 8
        index = nil
        data = Array(payload[3..<(3 + DIAGRequest.nvDataSize)])
        statusCode = UInt16(payload[needed - 2]) | UInt16(payload[needed - 1]) << 8
    }

    /// Decodes an indexed reply.
    init(indexed payload: [UInt8]) throws(DIAGError) {
        let needed = 8 + DIAGRequest.nvDataSize + 2
        guard payload.count >= needed else { throw .truncated(command: "indexed NV reply", needed: needed, got: payload.count) }
        isWrite = false
        item = UInt16(payload[4]) | UInt16(payload[5]) << 8
        index = UInt16(payload[6]) | UInt16(payload[7]) << 8
        data = Array(payload[8..<(8 + DIAGRequest.nvDataSize)])
        statusCode = UInt16(payload[needed - 2]) | UInt16(payload[needed - 1]) << 8
    }

    /// The reply bytes.
    public var payload: [UInt8] {
        var writer = ByteWriter()
        if let index {
            writer.write([DIAGRequest.Code.subsystem, DIAGRequest.Code.subsystemNV, 0x01, 0x00])
            writer.write(item, endianness: .little)
            writer.write(index, endianness: .little)
        } else {
            writer.write(isWrite ? DIAGRequest.Code.nvWrite : DIAGRequest.Code.nvRead, endianness: .little)
            writer.write(item, endianness: .little)
        }
        writer.write(DIAGRequest.padded(data))
        writer.write(statusCode, endianness: .little)
        return writer.bytes
    }
}
