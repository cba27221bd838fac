import TermflashCore

/// CRC-16/XMODEM (polynomial 0x1021, init 0, no reflection, no final XOR), sent
/// most significant byte first. Check value of "123456789": 0x31C3.
public struct CRC16XModem: Sendable {
    private var register: UInt16 = 0

    private static let table: [UInt16] = (0..<256).map { index in
        var value = UInt16(index) << 8
        for _ in 0..<8 { value = value & 0x8000 != 0 ? (value << 1) ^ 0x1021 : value << 1 }
        return value
    }

    /// A fresh checksum.
    public init() {}

    /// Feeds bytes.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(buffer: UnsafeRawBufferPointer($0)) }) {
            return done
        }
        var crc = register
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)] }
        }
        register = crc
    }

    /// Feeds contiguous bytes: the table and the input are walked without bounds checks, as
    /// every 1 KiB block of an upload goes through here on both sides.
    private mutating func update(buffer: UnsafeRawBufferPointer) {
        var crc = register
        Self.table.withUnsafeBufferPointer { table in
            let entries = table.baseAddress!
            for byte in buffer { crc = (crc << 8) ^ entries[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)] }
        }
        register = crc
    }

    /// The checksum of everything fed so far.
    public var value: UInt16 { register }

    /// The checksum of one buffer.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt16 where S.Element == UInt8 {
        var crc = CRC16XModem()
        crc.update(bytes)
        return crc.value
    }
}

/// The control bytes of XMODEM and YMODEM.
public enum XModemByte {
    /// Start of a 128-byte block.
    public static let soh: UInt8 = 0x01
    /// Start of a 1024-byte block.
    public static let stx: UInt8 = 0x02
    /// End of transmission.
    public static let eot: UInt8 = 0x04
    /// Block received.
    public static let ack: UInt8 = 0x06
    /// Block rejected, or "start, checksum mode" from a receiver.
    public static let nak: UInt8 = 0x15
    /// Cancel (sent at least twice).
    public static let can: UInt8 = 0x18
    /// "Start, CRC mode" from a receiver.
    public static let crcRequest: UInt8 = 0x43
    /// "Start, YMODEM-g streaming" from a receiver.
    public static let streamRequest: UInt8 = 0x47
    /// Padding of the last data block.
    public static let padding: UInt8 = 0x1A
}

/// How a block ends: a 1-byte arithmetic sum, or CRC-16/XMODEM.
public enum XModemCheck: String, Sendable, Codable {
    case checksum, crc16

    /// The trailer for `data`.
    public func trailer(for data: [UInt8]) -> [UInt8] {
        trailer(for: data[...])
    }

    /// The trailer for a slice of a frame.
    public func trailer(for data: ArraySlice<UInt8>) -> [UInt8] {
        switch self {
        case .checksum:
            return [data.reduce(UInt8(0)) { $0 &+ $1 }]
        case .crc16:
            let crc = CRC16XModem.checksum(data)
            return [UInt8(crc >> 8), UInt8(crc & 0xFF)]
        }
    }

    /// Trailer length in bytes.
    public var length: Int { self == .checksum ? 1 : 2 }
}

/// Encodes XMODEM/YMODEM blocks: start byte, block number, its complement, data, check.
public enum XModemFrame {
    /// One block; `data` shorter than the block size is padded with `padding`.
    public static func encode(number: UInt8, data: [UInt8], blockSize: Int, check: XModemCheck,
                              padding: UInt8 = XModemByte.padding) -> [UInt8] {
        precondition(blockSize == 128 || blockSize == 1024, "XMODEM blocks are 128 or 1024 bytes")
        precondition(data.count <= blockSize, "a block holds at most \(blockSize) bytes")
        var frame: [UInt8] = []
        frame.reserveCapacity(3 + blockSize + check.length)  // one allocation per block
        frame += [blockSize == 1024 ? XModemByte.stx : XModemByte.soh, number, 255 &- number]
        frame += data
        if data.count < blockSize { frame += repeatElement(padding, count: blockSize - data.count) }
        frame += check.trailer(for: frame[3...])
        return frame
    }

    /// YMODEM block 0: `name\0`, the length in decimal, then zeros. An empty name makes the
    /// all-zero block that ends a batch.
    public static func ymodemHeader(name: String, length: UInt64, check: XModemCheck) -> [UInt8] {
        guard !name.isEmpty else {
            return encode(number: 0, data: [], blockSize: 128, check: check, padding: 0)
        }
        let safeName = name.split(separator: "/").last.map(String.init) ?? name
        let info = Array(safeName.utf8.prefix(100)) + [0] + Array(String(length).utf8) + [0]
        return encode(number: 0, data: info, blockSize: info.count > 128 ? 1024 : 128, check: check, padding: 0)
    }

    /// A decoded block, as a receiver sees it.
    public struct Block: Equatable, Sendable {
        public var number: UInt8
        public var data: [UInt8]
    }

    /// Why a receiver rejects a block.
    public enum DecodeFailure: Error, Equatable, CustomStringConvertible {
        case badStart(UInt8)
        case badComplement(number: UInt8, complement: UInt8)
        case badCheck(number: UInt8, expected: [UInt8], actual: [UInt8])

        public var description: String {
            switch self {
            case let .badStart(byte): return "block starts with 0x\(String(byte, radix: 16)), not SOH or STX"
            case let .badComplement(number, complement):
                return "block \(number) has complement \(complement), expected \(255 &- number)"
            case let .badCheck(number, expected, actual):
                return "block \(number) check is \(actual.map { String($0, radix: 16) }), computed \(expected.map { String($0, radix: 16) })"
            }
        }
    }

    /// The full length of a block starting with `start` (nil for other bytes).
    public static func frameLength(start: UInt8, check: XModemCheck) -> Int? {
        switch start {
        case XModemByte.soh: return 3 + 128 + check.length
        case XModemByte.stx: return 3 + 1024 + check.length
        default: return nil
        }
    }

    /// Decodes one complete block (its length from ``frameLength(start:check:)``).
    public static func decode(_ frame: [UInt8], check: XModemCheck) throws(DecodeFailure) -> Block {
        try decode(frame[...], check: check)
    }

    /// Decodes one complete block lying in a receiver's buffer, without copying it first.
    public static func decode(_ frame: ArraySlice<UInt8>, check: XModemCheck) throws(DecodeFailure) -> Block {
        let (number, data) = try validate(frame, check: check)
        return Block(number: number, data: Array(frame[data]))
    }

    /// Checks one complete block in place; returns its number and where its data lies in
    /// `frame`'s indices, so a receiver can copy the data once, straight to its image.
    public static func validate(_ frame: ArraySlice<UInt8>, check: XModemCheck) throws(DecodeFailure) -> (number: UInt8, data: Range<Int>) {
        guard let first = frame.first, let length = frameLength(start: first, check: check), frame.count == length else {
            throw .badStart(frame.first ?? 0)
        }
        let base = frame.startIndex
        let number = frame[base + 1]
        guard frame[base + 2] == 255 &- number else { throw .badComplement(number: number, complement: frame[base + 2]) }
        let dataEnd = base + length - check.length
        let expected = check.trailer(for: frame[(base + 3)..<dataEnd])
        guard frame[dataEnd...].elementsEqual(expected) else {
            throw .badCheck(number: number, expected: expected, actual: Array(frame[dataEnd...]))
        }
        return (number, (base + 3)..<dataEnd)
    }

    /// Parses YMODEM block 0 data: the file name and its length (nil name for the batch end).
    public static func parseYModemHeader(_ data: [UInt8]) -> (name: String?, length: UInt64?) {
        guard let first = data.first, first != 0 else { return (nil, nil) }
        let parts = data.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        let name = String(decoding: parts[0], as: UTF8.self)
        guard parts.count > 1 else { return (name, nil) }
        let fields = String(decoding: parts[1], as: UTF8.self).split(separator: " ")
        return (name, fields.first.flatMap { UInt64($0) })
    }
}
