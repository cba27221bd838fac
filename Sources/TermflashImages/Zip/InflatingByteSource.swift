internal import CLibZ
import TermflashCore

/// A deflated zip member read as its expanded bytes. Reads are served by inflating forward;
/// a read before the current position starts over from the member's first byte. The
/// expanded bytes' CRC-32 is checked against the zip's when the end is reached.
final class InflatingByteSource: ByteSource {
    let count: UInt64
    private let compressed: ByteSource
    private let member: ZipMember
    private let archive: String
    private var stream = z_stream()
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity = 256 << 10
    private var consumed: UInt64 = 0
    private var produced: UInt64 = 0
    private var finished = false
    /// Running CRC-32 of the expanded bytes (zlib's crc32, the same polynomial as TermflashCore.CRC32, but vectorised).
    private var crc: UInt = 0

    init(compressed: ByteSource, member: ZipMember, archive: String) throws {
        self.compressed = compressed
        self.member = member
        self.archive = archive
        count = member.uncompressedSize
        input = .allocate(capacity: inputCapacity)
        guard termflash_inflate_init_raw(&stream) == Z_OK else {
            input.deallocate()
            throw ZipError(archive: archive, member: member.name, problem: "zlib could not start a decompressor (out of memory)")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    func read(offset: UInt64, length: Int) throws -> [UInt8] {
        guard offset < count, length > 0 else { return [] }
        let wanted = Int(min(UInt64(length), count - offset))
        if offset < produced { try restart() }
        if offset > produced { try discard(offset - produced) }
        var output = [UInt8](repeating: 0, count: wanted)
        let filled = try output.withUnsafeMutableBufferPointer { try inflate(into: $0.baseAddress!, count: wanted) }
        if filled < wanted { output.removeLast(wanted - filled) }
        if produced == count, !finished { try finishStream() }
        return output
    }

    /// Once every byte is out, reads the stream's end so its length and CRC-32 are checked.
    private func finishStream() throws {
        var extra: UInt8 = 0
        if try inflate(into: &extra, count: 1) > 0 {
            throw fault("the deflate stream holds more than the \(count) bytes the directory says")
        }
    }

    private func restart() throws {
        inflateReset(&stream)
        stream.avail_in = 0
        consumed = 0
        produced = 0
        finished = false
        crc = 0
    }

    private func discard(_ byteCount: UInt64) throws {
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
        defer { scratch.deallocate() }
        var left = byteCount
        while left > 0, !finished {
            left -= UInt64(try inflate(into: scratch, count: Int(min(left, UInt64(inputCapacity)))))
        }
    }

    private func inflate(into buffer: UnsafeMutablePointer<UInt8>, count wanted: Int) throws -> Int {
        var filled = 0
        while filled < wanted, !finished {
            if stream.avail_in == 0 { try refill() }
            let room = min(wanted - filled, 1 << 30)
            stream.next_out = buffer + filled
            stream.avail_out = UInt32(room)
            let status = CLibZ.inflate(&stream, Z_NO_FLUSH)
            let made = room - Int(stream.avail_out)
            if made > 0 { crc = CLibZ.crc32(crc, buffer + filled, UInt32(made)) }
            filled += made
            produced += UInt64(made)
            if status == Z_STREAM_END {
                finished = true
                try checkEnd()
            } else if status != Z_OK, !(status == Z_BUF_ERROR && made > 0) {
                throw fault("the deflate data is corrupt near compressed byte \(consumed - UInt64(stream.avail_in)) (zlib status \(status))")
            }
        }
        return filled
    }

    private func refill() throws {
        let bytes = try compressed.read(offset: consumed, length: inputCapacity)
        guard !bytes.isEmpty else {
            throw fault("the compressed data ends after \(consumed) bytes, before the member's \(count) bytes were produced (\(produced) so far)")
        }
        bytes.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: bytes.count) }
        stream.next_in = input
        stream.avail_in = UInt32(bytes.count)
        consumed += UInt64(bytes.count)
    }

    private func checkEnd() throws {
        guard produced == count else {
            throw fault("the deflate stream ends after \(produced) bytes but the directory says \(count)")
        }
        guard UInt32(truncatingIfNeeded: crc) == member.crc32 else {
            throw fault(String(format: "CRC-32 of the expanded member is 0x%08x, the directory says 0x%08x", UInt32(truncatingIfNeeded: crc), member.crc32))
        }
    }

    private func fault(_ problem: String) -> ZipError {
        ZipError(archive: archive, member: member.name, problem: problem)
    }
}

import Foundation
