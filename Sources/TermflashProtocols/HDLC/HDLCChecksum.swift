/// CRC-16/X.25 as HDLC framing needs it fast: the same checksum as `CRC16X25`, computed
/// eight bytes at a time ("slicing by 8": one table per byte position, the byte that enters
/// first goes through the most shifts).
enum HDLCChecksum {
    /// Eight tables of 256 entries; table 0 is the byte-at-a-time table of polynomial 0x8408.
    nonisolated(unsafe) static let tables: UnsafePointer<UInt16> = {
        let tables = UnsafeMutablePointer<UInt16>.allocate(capacity: 8 * 256)
        for index in 0..<256 {
            var value = UInt16(index)
            for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0x8408 : value >> 1 }
            tables[index] = value
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return UnsafePointer(tables)
    }()

    /// The register after a payload and its own little-endian CRC: a frame is intact when
    /// the checksum over everything it carries leaves this value (before the final XOR).
    static let goodResidue: UInt16 = 0xF0B8

    /// The register after feeding `bytes` to `register` (no final XOR).
    static func update(_ register: UInt16, _ bytes: UnsafeRawBufferPointer) -> UInt16 {
        guard var pointer = bytes.baseAddress else { return register }
        var crc = register
        var left = bytes.count
        let table = tables
        while left >= 8 {
            let word = pointer.loadUnaligned(as: UInt64.self).littleEndian ^ UInt64(crc)
            crc = table[7 * 256 + Int(word & 0xFF)] ^ table[6 * 256 + Int((word >> 8) & 0xFF)]
                ^ table[5 * 256 + Int((word >> 16) & 0xFF)] ^ table[4 * 256 + Int((word >> 24) & 0xFF)]
                ^ table[3 * 256 + Int((word >> 32) & 0xFF)] ^ table[2 * 256 + Int((word >> 40) & 0xFF)]
                ^ table[256 + Int((word >> 48) & 0xFF)] ^ table[Int(word >> 56)]
            pointer += 8
            left -= 8
        }
        while left > 0 {
            crc = (crc >> 8) ^ table[Int(UInt8(truncatingIfNeeded: crc) ^ pointer.load(as: UInt8.self))]
            pointer += 1
            left -= 1
        }
        return crc
    }
}
