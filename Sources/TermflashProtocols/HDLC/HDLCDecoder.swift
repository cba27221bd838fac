#if canImport(Glibc)
import Glibc
#endif
import TermflashCore

/// Splits a byte stream into HDLC frames and checks each CRC. Sans-I/O: feed bytes as they
/// arrive, then call ``next()`` until it returns `nil` ("need more bytes"). Frames with or
/// without a leading flag decode alike; bytes before a flag that do not make a frame are
/// reported once and skipped, so the decoder resynchronises on the next flag.
public struct HDLCDecoder {
    /// Frames longer than this without a flag are dropped as garbage.
    public let limit: Int
    private var buffer: [UInt8] = []
    /// Where the next frame starts in `buffer`.
    private var start = 0
    /// How far `buffer` was searched for a flag.
    private var scanned = 0
    private var overflowed = false

    /// A decoder that refuses frames longer than `limit` bytes (escaped).
    public init(limit: Int = 1 << 20) {
        precondition(limit > 3, "a frame needs room for a payload and a CRC")
        self.limit = limit
    }

    /// Bytes received but not yet part of a returned frame.
    public var bufferedCount: Int { buffer.count - start }

    /// Appends received bytes.
    public mutating func feed<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The payload of the next complete frame (CRC removed), `nil` when more bytes are needed;
    /// throws for a frame that is wrong, after dropping it, so the next call goes on.
    public mutating func next() throws(HDLCError) -> [UInt8]? {
        while true {
            guard let end = nextFlag() else {
                scanned = buffer.count
                if buffer.count - start > limit {
                    dropAll()
                    overflowed = true
                    throw .oversized(limit: limit)
                }
                compact()
                return nil
            }
            let range = start..<end
            start = end + 1
            scanned = start
            if overflowed {
                overflowed = false  // the tail of a dropped frame
                continue
            }
            if range.isEmpty { continue }  // back-to-back flags
            let result = buffer.withUnsafeBufferPointer { Self.unframe(UnsafeBufferPointer(rebasing: $0[range])) }
            compact()
            return try result.get()
        }
    }

    private func nextFlag() -> Int? {
        guard scanned < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            let base = bytes.baseAddress!
            guard let found = memchr(base + scanned, Int32(HDLCEncoder.flag), bytes.count - scanned) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    private mutating func dropAll() {
        buffer.removeAll(keepingCapacity: true)
        start = 0
        scanned = 0
    }

    /// Forgets consumed bytes once they are all consumed or outweigh what is left.
    private mutating func compact() {
        if start == buffer.count {
            dropAll()
        } else if start > 65_536, start > buffer.count / 2 {
            buffer.removeSubrange(..<start)
            scanned -= start
            start = 0
        }
    }

    /// Unescapes and checks one frame body (between flags): runs between escapes are copied
    /// whole, then the checksum runs over the result eight bytes at a time.
    static func unframe(_ raw: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], HDLCError> {
        guard let source = raw.baseAddress else { return .failure(.tooShort(length: 0)) }
        var dangling = false
        var bytes = [UInt8](unsafeUninitializedCapacity: raw.count) { out, count in
            let target = out.baseAddress!
            var read = 0
            var written = 0
            while read < raw.count {
                let found = memchr(source + read, Int32(HDLCEncoder.escape), raw.count - read)
                let end = found.map { source.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? raw.count
                (target + written).update(from: source + read, count: end - read)
                written += end - read
                guard end < raw.count else { break }
                guard end + 1 < raw.count else {
                    dangling = true
                    break
                }
                target[written] = source[end + 1] ^ 0x20
                written += 1
                read = end + 2
            }
            count = written
        }
        if dangling { return .failure(.danglingEscape) }
        guard bytes.count >= 3 else { return .failure(.tooShort(length: bytes.count)) }
        let register = bytes.withUnsafeBytes { HDLCChecksum.update(0xFFFF, $0) }
        let actual = UInt16(bytes[bytes.count - 2]) | UInt16(bytes[bytes.count - 1]) << 8
        bytes.removeLast(2)
        guard register != HDLCChecksum.goodResidue else { return .success(bytes) }
        return .failure(.badCRC(expected: CRC16X25.checksum(bytes), actual: actual, payloadLength: bytes.count))
    }
}
