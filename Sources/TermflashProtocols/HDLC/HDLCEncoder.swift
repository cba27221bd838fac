import TermflashCore

/// Frames payloads the way Qualcomm DIAG and DLOAD expect: payload + CRC-16/X.25
/// (little-endian), 0x7E and 0x7D escaped as 0x7D, byte ^ 0x20, closed by 0x7E.
/// Source: the HDLC-like framing of RFC 1662 §4, as used by DIAG (PROTOCOLS.md, HDLC).
/// Runs without bytes to escape are copied whole; eight bytes at a time are checked for one.
public enum HDLCEncoder {
    /// The flag byte that ends (and may start) a frame.
    public static let flag: UInt8 = 0x7E
    /// The escape byte.
    public static let escape: UInt8 = 0x7D

    /// One framed message; `leadingFlag` adds a 0x7E in front, as DLOAD hosts do.
    public static func frame(_ payload: [UInt8], leadingFlag: Bool = false) -> [UInt8] {
        payload.withUnsafeBufferPointer { frame($0, leadingFlag: leadingFlag) }
    }

    /// One framed message from raw bytes.
    public static func frame(_ payload: UnsafeBufferPointer<UInt8>, leadingFlag: Bool = false) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: maximumFramedCount(payloadCount: payload.count)) { out, count in
            count = frame(payload, leadingFlag: leadingFlag, into: out.baseAddress!)
        }
    }

    /// The most bytes one frame of `payloadCount` bytes can take: every byte and both CRC
    /// bytes escaped, and both flags.
    public static func maximumFramedCount(payloadCount: Int) -> Int { payloadCount * 2 + 6 }

    /// Frames `payload` straight into `out`, which must have room for
    /// ``maximumFramedCount(payloadCount:)`` bytes; returns how many it wrote. Lets a caller
    /// frame many messages into one buffer it reuses.
    public static func frame(_ payload: UnsafeBufferPointer<UInt8>, leadingFlag: Bool = false,
                             into out: UnsafeMutablePointer<UInt8>) -> Int {
        let crc = HDLCChecksum.update(0xFFFF, UnsafeRawBufferPointer(payload)) ^ 0xFFFF
        var index = 0
        if leadingFlag {
            out[0] = flag
            index = 1
        }
        index = escaped(payload, into: out, at: index)
        index = escapedByte(UInt8(truncatingIfNeeded: crc), into: out, at: index)
        index = escapedByte(UInt8(truncatingIfNeeded: crc >> 8), into: out, at: index)
        out[index] = flag
        return index + 1
    }

    /// Appends one framed message to `output` (for sending several frames in one write).
    public static func append(_ payload: UnsafeBufferPointer<UInt8>, leadingFlag: Bool = false, to output: inout [UInt8]) {
        let start = output.count
        let room = maximumFramedCount(payloadCount: payload.count)
        output.append(contentsOf: repeatElement(0, count: room))
        let written = output.withUnsafeMutableBufferPointer { frame(payload, leadingFlag: leadingFlag, into: $0.baseAddress! + start) }
        output.removeLast(room - written)
    }

    private static func escapedByte(_ byte: UInt8, into out: UnsafeMutablePointer<UInt8>, at index: Int) -> Int {
        guard byte == flag || byte == escape else {
            out[index] = byte
            return index + 1
        }
        out[index] = escape
        out[index + 1] = byte ^ 0x20
        return index + 2
    }

    /// Copies `source` to `out + start` with flags and escapes escaped; returns the end.
    static func escaped(_ source: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>, at start: Int) -> Int {
        guard let base = source.baseAddress else { return start }
        var index = start
        var run = 0
        var position = 0
        let count = source.count
        while position < count {
            var stop = position
            // Skip eight bytes at a time while none is in 0x7C...0x7F (a zero byte in `marked`).
            while stop + 8 <= count {
                let word = UnsafeRawPointer(base + stop).loadUnaligned(as: UInt64.self)
                let marked = (word | 0x0303_0303_0303_0303) ^ 0x7F7F_7F7F_7F7F_7F7F
                if (marked &- 0x0101_0101_0101_0101) & ~marked & 0x8080_8080_8080_8080 != 0 { break }
                stop += 8
            }
            let end = min(stop + 8, count)
            while stop < end, base[stop] != flag, base[stop] != escape { stop += 1 }
            position = stop + 1
            guard stop < end else {
                position = end
                continue
            }
            let length = stop - run
            if length > 0 { (out + index).update(from: base + run, count: length) }
            index += length
            out[index] = escape
            out[index + 1] = base[stop] ^ 0x20
            index += 2
            run = stop + 1
        }
        let length = count - run
        if length > 0 { (out + index).update(from: base + run, count: length) }
        return index + length
    }
}
