import TermflashCore

/// Frames payloads the way Qualcomm DIAG and DLOAD expect: payload + CRC-16/X.25
/// (little-endian), 0x7E and 0x7D escaped as 0x7D, byte ^ 0x20, closed by 0x7E.
/// Source: the HDLC-like framing of RFC 1662 §4, as used by DIAG (PROTOCOLS.md, HDLC).
public enum HDLCEncoder {
    /// The flag byte that ends (and may start) a frame.
    public static let flag: UInt8 = 0x7E
    /// The escape byte.
    public static let escape: UInt8 = 0x7D

    /// One framed message; `leadingFlag` adds a 0x7E in front, as DLOAD hosts do.
    public static func frame(_ payload: [UInt8], leadingFlag: Bool = false) -> [UInt8] {
        let crc = CRC16X25.checksum(payload)
        var framed: [UInt8] = leadingFlag ? [flag] : []
        framed.reserveCapacity(payload.count * 2 + 4)
        for byte in payload + [UInt8(crc & 0xFF), UInt8(crc >> 8)] {
            if byte == flag || byte == escape {
                framed += [escape, byte ^ 0x20]
            } else {
                framed.append(byte)
            }
        }
        framed.append(flag)
        return framed
    }
}
