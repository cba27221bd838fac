import TermflashCore

/// One member of a zip archive as its central directory describes it (PKWARE APPNOTE 4.3.12, with ZIP64).
public struct ZipMember: Hashable, Sendable {
    /// Path inside the archive, `/`-separated.
    public let name: String
    /// 0 stored, 8 deflated.
    public let method: UInt16
    /// General-purpose flags (bit 0: encrypted).
    public let flags: UInt16
    /// CRC-32 of the uncompressed bytes.
    public let crc32: UInt32
    /// Stored size.
    public let compressedSize: UInt64
    /// Expanded size.
    public let uncompressedSize: UInt64
    /// Offset of the member's local header.
    public let localHeaderOffset: UInt64

    /// True for folder entries.
    public var isFolder: Bool { name.hasSuffix("/") }
}

/// Reads the central directory of a zip archive from its end (end-of-central-directory record,
/// ZIP64 locator and record when present), touching only the directory's bytes.
enum ZipDirectory {
    static func read(_ file: ByteSource, archive: String) throws -> [ZipMember] {
        let (entries, size, offset) = try locateDirectory(file, archive: archive)
        guard offset <= file.count, size <= file.count - offset else {
            throw ZipError(archive: archive, offset: offset, problem: "the central directory (\(size) bytes) runs past the end of the file: the zip is truncated")
        }
        let bytes = try file.read(offset: offset, length: Int(size))
        var reader = ByteReader(bytes)
        var members: [ZipMember] = []
        for index in 0..<entries {
            members.append(try readMember(&reader, archive: archive, at: offset, index: index))
        }
        return members
    }

    private static func locateDirectory(_ file: ByteSource, archive: String) throws -> (UInt64, UInt64, UInt64) {
        let tailLength = Int(min(file.count, 65_557))
        let tailStart = file.count - UInt64(tailLength)
        let tail = try file.read(offset: tailStart, length: tailLength)
        guard let end = lastIndex(of: [0x50, 0x4B, 0x05, 0x06], in: tail, minimumRemaining: 22) else {
            throw ZipError(archive: archive, problem: "no end-of-central-directory record: this is not a zip archive, or it is truncated")
        }
        var reader = ByteReader(tail, offset: end + 4)
        let disk = try reader.read(UInt16.self, endianness: .little)
        try reader.skip(4)
        var entries = UInt64(try reader.read(UInt16.self, endianness: .little))
        var size = UInt64(try reader.read(UInt32.self, endianness: .little))
        var offset = UInt64(try reader.read(UInt32.self, endianness: .little))
        guard disk == 0 || disk == 0xFFFF else {
            throw ZipError(archive: archive, problem: "multi-part archives are not supported")
        }
        if entries == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF, end >= 20 {
            (entries, size, offset) = try readZip64End(file, tail: tail, locatorAt: end - 20, archive: archive)
        }
        return (entries, size, offset)
    }

    private static func readZip64End(_ file: ByteSource, tail: [UInt8], locatorAt position: Int, archive: String) throws -> (UInt64, UInt64, UInt64) {
        var locator = ByteReader(tail, offset: position)
        guard try locator.read(UInt32.self, endianness: .little) == 0x0706_4B50 else {
            throw ZipError(archive: archive, problem: "the end record points to ZIP64 data but the ZIP64 locator is missing")
        }
        try locator.skip(4)
        let recordOffset = try locator.read(UInt64.self, endianness: .little)
        var record = ByteReader(try file.read(offset: recordOffset, length: 56))
        guard (try? record.read(UInt32.self, endianness: .little)) == 0x0606_4B50 else {
            throw ZipError(archive: archive, offset: recordOffset, problem: "no ZIP64 end-of-central-directory record where the locator points")
        }
        try record.skip(8 + 2 + 2 + 4 + 4 + 8)
        let entries = try record.read(UInt64.self, endianness: .little)
        let size = try record.read(UInt64.self, endianness: .little)
        let offset = try record.read(UInt64.self, endianness: .little)
        return (entries, size, offset)
    }

    private static func readMember(_ reader: inout ByteReader, archive: String, at base: UInt64, index: UInt64) throws -> ZipMember {
        let start = UInt64(reader.offset) + base
        do {
            guard try reader.read(UInt32.self, endianness: .little) == 0x0201_4B50 else {
                throw ZipError(archive: archive, offset: start, problem: "central directory entry \(index + 1) has a wrong signature")
            }
            try reader.skip(4)
            let flags = try reader.read(UInt16.self, endianness: .little)
            let method = try reader.read(UInt16.self, endianness: .little)
            try reader.skip(4)
            let crc = try reader.read(UInt32.self, endianness: .little)
            var compressed = UInt64(try reader.read(UInt32.self, endianness: .little))
            var uncompressed = UInt64(try reader.read(UInt32.self, endianness: .little))
            let nameLength = Int(try reader.read(UInt16.self, endianness: .little))
            let extraLength = Int(try reader.read(UInt16.self, endianness: .little))
            let commentLength = Int(try reader.read(UInt16.self, endianness: .little))
            try reader.skip(8)
            var localOffset = UInt64(try reader.read(UInt32.self, endianness: .little))
            let name = String(decoding: try reader.read(count: nameLength), as: UTF8.self).replacingOccurrences(of: "\\", with: "/")
            var extra = ByteReader(try reader.read(count: extraLength))
            try reader.skip(commentLength)
            try applyZip64(&extra, uncompressed: &uncompressed, compressed: &compressed, localOffset: &localOffset)
            return ZipMember(name: name, method: method, flags: flags, crc32: crc, compressedSize: compressed,
                             uncompressedSize: uncompressed, localHeaderOffset: localOffset)
        } catch let error as ByteReaderError {
            throw ZipError(archive: archive, offset: start, problem: "central directory entry \(index + 1) is cut short (\(error))")
        }
    }

    /// Replaces 0xFFFFFFFF fields by the 64-bit values of the ZIP64 extra field (id 0x0001), in APPNOTE order.
    private static func applyZip64(_ extra: inout ByteReader, uncompressed: inout UInt64, compressed: inout UInt64, localOffset: inout UInt64) throws {
        while extra.remaining >= 4 {
            let id = try extra.read(UInt16.self, endianness: .little)
            let length = Int(try extra.read(UInt16.self, endianness: .little))
            var field = ByteReader(try extra.read(count: min(length, extra.remaining)))
            guard id == 0x0001 else { continue }
            if uncompressed == 0xFFFF_FFFF { uncompressed = try field.read(UInt64.self, endianness: .little) }
            if compressed == 0xFFFF_FFFF { compressed = try field.read(UInt64.self, endianness: .little) }
            if localOffset == 0xFFFF_FFFF { localOffset = try field.read(UInt64.self, endianness: .little) }
        }
    }

    private static func lastIndex(of signature: [UInt8], in bytes: [UInt8], minimumRemaining: Int) -> Int? {
        guard bytes.count >= minimumRemaining else { return nil }
        var index = bytes.count - minimumRemaining
        while index >= 0 {
            if bytes[index] == signature[0], bytes[index + 1] == signature[1], bytes[index + 2] == signature[2], bytes[index + 3] == signature[3] {
                return index
            }
            index -= 1
        }
        return nil
    }
}
