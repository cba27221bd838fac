/// CRC-16/X.25 (reflected polynomial 0x1021, init 0xFFFF, final XOR 0xFFFF): the frame
/// check of Qualcomm's HDLC-framed DIAG and DLOAD protocols. Check value of "123456789": 0x906E.
public struct CRC16X25: Sendable {
    /// The running value before the final XOR.
    private var register: UInt16 = 0xFFFF

    private static let table: [UInt16] = (0..<256).map { index in
        var value = UInt16(index)
        for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0x8408 : value >> 1 }
        return value
    }

    /// A fresh checksum.
    public init() {}

    /// Feeds bytes.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for byte in bytes {
            register = (register >> 8) ^ Self.table[Int((register ^ UInt16(byte)) & 0xFF)]
        }
    }

    /// The checksum of everything fed so far.
    public var value: UInt16 { register ^ 0xFFFF }

    /// The checksum of one buffer.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt16 where S.Element == UInt8 {
        var crc = CRC16X25()
        crc.update(bytes)
        return crc.value
    }
}

/// CRC-32 as zlib, U-Boot's `crc32` command, Android sparse images and Firehose compute it
/// (reflected polynomial 0x04C11DB7, init and final XOR 0xFFFFFFFF). Check value of "123456789": 0xCBF43926.
public struct CRC32: Sendable {
    private var register: UInt32 = 0xFFFF_FFFF

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    /// A fresh checksum.
    public init() {}

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var value = register
        for byte in bytes {
            value = (value >> 8) ^ Self.table[Int((value ^ UInt32(byte)) & 0xFF)]
        }
        register = value
    }

    /// Feeds bytes.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// The checksum of one buffer.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }
}
