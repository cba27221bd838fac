import CCRCFold

/// CRC-16/X.25 as HDLC framing needs it fast: the same checksum as `CRC16X25`. Where the CPU
/// has carry-less multiplication, long inputs are first folded 16 bytes at a time into one
/// 16-byte block with the same remainder (`CCRCFold`); what is left goes through tables
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

    /// Whether this CPU folds with carry-less multiplication (then long inputs go that way).
    static let canFold = termflash_crc_folding_available() != 0

    /// For fold distances of 512, 384, 256 and 128 bits: x^(D+63) and x^(D-1) modulo the
    /// CRC polynomial x^16 + x^12 + x^5 + 1, bit-reflected into 64 bits (degree d at bit 63 - d).
    nonisolated(unsafe) static let foldingConstants: UnsafePointer<UInt64> = {
        let constants = UnsafeMutablePointer<UInt64>.allocate(capacity: 8)
        for (index, distance) in [512, 384, 256, 128].enumerated() {
            constants[2 * index] = reflected64(powerOfX(distance + 63))
            constants[2 * index + 1] = reflected64(powerOfX(distance - 1))
        }
        return UnsafePointer(constants)
    }()

    /// x^exponent mod (x^16 + x^12 + x^5 + 1), coefficient of x^d in bit d.
    static func powerOfX(_ exponent: Int) -> UInt32 {
        var value: UInt32 = 1
        for _ in 0..<exponent {
            value <<= 1
            if value & 0x1_0000 != 0 { value ^= 0x1_1021 }
        }
        return value
    }

    /// A polynomial of degree < 16 with the coefficient of x^d moved to bit 63 - d.
    static func reflected64(_ polynomial: UInt32) -> UInt64 {
        (0..<16).reduce(UInt64(0)) { result, degree in
            polynomial >> degree & 1 != 0 ? result | 1 << (63 - degree) : result
        }
    }

    /// Inputs at least this long are folded first when the CPU can.
    static let foldingThreshold = 64

    /// The register after feeding `bytes` to `register` (no final XOR).
    static func update(_ register: UInt16, _ bytes: UnsafeRawBufferPointer) -> UInt16 {
        guard let base = bytes.baseAddress else { return register }
        guard canFold, bytes.count >= foldingThreshold else { return sliced(register, bytes) }
        var folded: (UInt64, UInt64) = (0, 0)
        let consumed = withUnsafeMutableBytes(of: &folded) { block in
            termflash_crc_fold(base.assumingMemoryBound(to: UInt8.self), bytes.count, UInt32(register),
                               foldingConstants, block.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        let crc = withUnsafeBytes(of: &folded) { sliced(0, $0) }
        return sliced(crc, UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
    }

    /// The register after feeding `bytes` eight at a time through the tables.
    static func sliced(_ register: UInt16, _ bytes: UnsafeRawBufferPointer) -> UInt16 {
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
