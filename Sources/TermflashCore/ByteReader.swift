/// Byte order of a multi-byte field; every read and write names one.
public enum Endianness: Sendable {
    case little, big
}

/// Reads fixed-width integers and byte runs from a buffer, naming the byte order at each read.
public struct ByteReader {
    /// The bytes being read.
    public let bytes: [UInt8]
    /// Offset of the next byte to read.
    public private(set) var offset: Int

    /// A reader over `bytes` starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// Reads an unsigned integer of type `T` in the given byte order.
    public mutating func read<T: FixedWidthInteger & UnsignedInteger>(_: T.Type, endianness: Endianness) throws(ByteReaderError) -> T {
        let width = MemoryLayout<T>.size
        let run = try read(count: width)
        var value: T = 0
        for index in 0..<width {
            let byte = T(run[endianness == .little ? width - 1 - index : index])
            value = (value << 8) | byte
        }
        return value
    }

    /// Reads one byte.
    public mutating func readByte() throws(ByteReaderError) -> UInt8 {
        try read(count: 1)[0]
    }

    /// Reads `count` bytes.
    public mutating func read(count: Int) throws(ByteReaderError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw ByteReaderError.truncated(offset: offset, needed: count, available: remaining)
        }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int) throws(ByteReaderError) {
        _ = try read(count: count)
    }
}

/// A read past the end of the buffer.
public enum ByteReaderError: Error, Equatable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int, available: Int)

    public var description: String {
        switch self {
        case let .truncated(offset, needed, available):
            return "truncated at offset \(offset): needed \(needed) bytes, \(available) left"
        }
    }
}

/// Appends fixed-width integers to a byte buffer, naming the byte order at each write.
public struct ByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends `value` in the given byte order.
    public mutating func write<T: FixedWidthInteger & UnsignedInteger>(_ value: T, endianness: Endianness) {
        let width = MemoryLayout<T>.size
        for index in 0..<width {
            let shift = (endianness == .little ? index : width - 1 - index) * 8
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    /// Appends raw bytes.
    public mutating func write(_ run: [UInt8]) {
        bytes += run
    }
}
