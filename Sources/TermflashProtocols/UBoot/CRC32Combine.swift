import TermflashCore

extension CRC32 {
    /// The CRC-32 of A followed by B, from the CRC-32 of A, that of B and B's length,
    /// without the bytes: how the CRCs U-Boot computes per RAM-sized chunk become the
    /// CRC of a whole partition. Works in GF(2): appending `lengthB` zero bytes to A is a
    /// linear map on the register, applied by repeated squaring.
    public static func combine(_ crcA: UInt32, _ crcB: UInt32, lengthB: UInt64) -> UInt32 {
        guard lengthB > 0 else { return crcA }
        // The operator for one zero bit, then squared to two, four … zero bits.
        var odd = [UInt32](repeating: 0, count: 32)
        odd[0] = 0xEDB8_8320
        for index in 1..<32 { odd[index] = 1 << (index - 1) }
        var even = square(odd)  // two zero bits
        odd = square(even)      // four zero bits
        var value = crcA
        var remaining = lengthB
        repeat {
            even = square(odd)  // first pass: one zero byte
            if remaining & 1 != 0 { value = apply(even, to: value) }
            remaining >>= 1
            guard remaining != 0 else { break }
            odd = square(even)
            if remaining & 1 != 0 { value = apply(odd, to: value) }
            remaining >>= 1
        } while remaining != 0
        return value ^ crcB
    }

    private static func apply(_ matrix: [UInt32], to vector: UInt32) -> UInt32 {
        var result: UInt32 = 0
        var bits = vector
        var index = 0
        while bits != 0 {
            if bits & 1 != 0 { result ^= matrix[index] }
            bits >>= 1
            index += 1
        }
        return result
    }

    private static func square(_ matrix: [UInt32]) -> [UInt32] {
        matrix.map { apply(matrix, to: $0) }
    }
}
