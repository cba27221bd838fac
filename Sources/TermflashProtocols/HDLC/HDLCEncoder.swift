import TermflashCore

/// Frames payloads the way Qualcomm DIAG and DLOAD expect: payload + CRC-16/X.25
/// (little-endian), 0x7E and 0x7D escaped as 0x7D, byte ^ 0x20, closed by 0x7E.
/// Source: the HDLC-like framing of RFC 1662 §4, as used by DIAG (PROTOCOLS.md, HDLC).
/// The checksum and the escaping happen in one pass over the payload.
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
        [UInt8](unsafeUninitializedCapacity: payload.count * 2 + 6) { out, count in
            var index = 0
            if leadingFlag {
                out[0] = flag
                index = 1
            }
            var register: UInt16 = 0xFFFF
            let table = HDLCChecksum.table
            for byte in payload {
                register = (register >> 8) ^ table[Int(UInt8(truncatingIfNeeded: register) ^ byte)]
                if byte == flag || byte == escape {
                    out[index] = escape
                    out[index + 1] = byte ^ 0x20
                    index += 2
                } else {
                    out[index] = byte
                    index += 1
                }
            }
            register ^= 0xFFFF
            for byte in [UInt8(truncatingIfNeeded: register), UInt8(truncatingIfNeeded: register >> 8)] {
                if byte == flag || byte == escape {
                    out[index] = escape
                    out[index + 1] = byte ^ 0x20
                    index += 2
                } else {
                    out[index] = byte
                    index += 1
                }
            }
            out[index] = flag
            count = index + 1
        }
    }
}

/// The CRC-16/X.25 table behind the one-pass framing and unframing (the same checksum as
/// ``CRC16X25``, reachable without bounds checks).
enum HDLCChecksum {
    /// 256 entries for the reflected polynomial 0x8408.
    nonisolated(unsafe) static let table: UnsafePointer<UInt16> = {
        let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 256)
        for index in 0..<256 {
            var value = UInt16(index)
            for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0x8408 : value >> 1 }
            table[index] = value
        }
        return UnsafePointer(table)
    }()

    /// The register after a payload and its own little-endian CRC: a frame is intact when
    /// the checksum over everything it carries leaves this value (before the final XOR).
    static let goodResidue: UInt16 = 0xF0B8
}
