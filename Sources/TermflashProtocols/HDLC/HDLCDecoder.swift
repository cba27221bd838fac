import TermflashCore

/// Splits a byte stream into HDLC frames and checks each CRC. Sans-I/O: feed bytes as they
/// arrive, then call ``next()`` until it returns `nil` ("need more bytes").
public struct HDLCDecoder {
    /// Frames longer than this without a flag are dropped as garbage.
    public let limit: Int
    private var buffer: [UInt8] = []
    private var scanned = 0
    private var overflowed = false

    /// A decoder that refuses frames longer than `limit` bytes (escaped).
    public init(limit: Int = 1 << 20) {
        precondition(limit > 3, "a frame needs room for a payload and a CRC")
        self.limit = limit
    }

    /// Bytes received but not yet part of a returned frame.
    public var bufferedCount: Int { buffer.count }

    /// Appends received bytes.
    public mutating func feed<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The payload of the next complete frame (CRC removed), `nil` when more bytes are needed;
    /// throws for a frame that is wrong, after dropping it, so the next call goes on.
    public mutating func next() throws(HDLCError) -> [UInt8]? {
        while true {
            guard let end = buffer[scanned...].firstIndex(of: HDLCEncoder.flag) else {
                scanned = buffer.count
                if buffer.count > limit {
                    buffer.removeAll(keepingCapacity: true)
                    scanned = 0
                    overflowed = true
                    throw .oversized(limit: limit)
                }
                return nil
            }
            let raw = Array(buffer[..<end])
            buffer.removeSubrange(...end)
            scanned = 0
            if overflowed {
                overflowed = false  // the tail of a dropped frame
                continue
            }
            if raw.isEmpty { continue }  // back-to-back flags
            return try Self.unframe(raw)
        }
    }

    /// Unescapes and checks one frame body (between flags).
    static func unframe(_ raw: [UInt8]) throws(HDLCError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var escaping = false
        for byte in raw {
            if escaping {
                bytes.append(byte ^ 0x20)
                escaping = false
            } else if byte == HDLCEncoder.escape {
                escaping = true
            } else {
                bytes.append(byte)
            }
        }
        if escaping { throw .danglingEscape }
        guard bytes.count >= 3 else { throw .tooShort(length: bytes.count) }
        let payload = Array(bytes[..<(bytes.count - 2)])
        let actual = UInt16(bytes[bytes.count - 2]) | UInt16(bytes[bytes.count - 1]) << 8
        let expected = CRC16X25.checksum(payload)
        guard actual == expected else {
            throw .badCRC(expected: expected, actual: actual, payloadLength: payload.count)
        }
        return payload
    }
}
