import Foundation

/// One 512-byte POSIX ustar header (IEEE Std 1003.1, pax "ustar Interchange Format"), read
/// strictly: only regular files with short names, octal fields with their terminators, the
/// checksum in its canonical `dddddd\0 ` form. Anything else is refused, never guessed at.
struct TarHeader: Equatable {
    static let blockSize = 512
    static let maximumNameLength = 100

    /// Member name (the `name` field; `prefix` must be empty).
    var name: String
    /// Data length in bytes.
    var size: UInt64

    /// The header as it is written: mode 0644, owner 0, time 0, so the same inputs give the same bytes.
    func encoded() -> [UInt8] {
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        put(Array(name.utf8), at: 0, into: &block)
        put(octal(0o644, digits: 7), at: 100, into: &block)
        put(octal(0, digits: 7), at: 108, into: &block)
        put(octal(0, digits: 7), at: 116, into: &block)
        put(octal(size, digits: 11), at: 124, into: &block)
        put(octal(0, digits: 11), at: 136, into: &block)
        block[156] = UInt8(ascii: "0")
        put(Array("ustar".utf8) + [0], at: 257, into: &block)
        put(Array("00".utf8), at: 263, into: &block)
        put(octal(0, digits: 7), at: 329, into: &block)
        put(octal(0, digits: 7), at: 337, into: &block)
        put(octal(UInt64(Self.checksum(block)), digits: 6) + [0x20], at: 148, into: &block)
        return block
    }

    /// Reads the header in `block` found at `offset` in the archive.
    static func decode(_ block: [UInt8], at offset: UInt64) throws(PackageError) -> TarHeader {
        precondition(block.count == blockSize, "a tar header is 512 bytes")
        let stored = try checksumField(block, at: offset)
        let computed = checksum(block)
        guard stored == computed else { throw .headerChecksum(offset: offset, stored: stored, computed: computed) }
        guard Array(block[257..<263]) == Array("ustar".utf8) + [0], Array(block[263..<265]) == Array("00".utf8) else {
            throw .badHeader(offset: offset, field: "magic", reason: "is not 'ustar' version '00' (only POSIX ustar is read)")
        }
        let name = try nameField(block, at: offset)
        try requireRegularFile(block, name: name)
        guard block[345..<500].allSatisfy({ $0 == 0 }) else {
            throw .unsafePath(member: name, reason: "uses the ustar prefix field (names longer than 100 bytes are not allowed)")
        }
        let size = try octalField(block, 124, 12, name: "size", at: offset)
        for (start, length, field) in [(100, 8, "mode"), (108, 8, "uid"), (116, 8, "gid"), (136, 12, "mtime")] {
            _ = try octalField(block, start, length, name: field, at: offset)
        }
        return TarHeader(name: name, size: size)
    }

    /// Sum of the header's bytes with the checksum field counted as spaces.
    static func checksum(_ block: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        for (index, byte) in block.enumerated() {
            sum += (148..<156).contains(index) ? 0x20 : UInt32(byte)
        }
        return sum
    }

    private static func checksumField(_ block: [UInt8], at offset: UInt64) throws(PackageError) -> UInt32 {
        let field = block[148..<156]
        guard field.prefix(6).allSatisfy({ (0x30...0x37).contains($0) }), block[154] == 0, block[155] == 0x20 else {
            throw .badHeader(offset: offset, field: "chksum", reason: "is not six octal digits, NUL and space")
        }
        return field.prefix(6).reduce(0) { $0 * 8 + UInt32($1 - 0x30) }
    }

    private static func nameField(_ block: [UInt8], at offset: UInt64) throws(PackageError) -> String {
        let raw = block[0..<maximumNameLength]
        let length = raw.firstIndex(of: 0) ?? maximumNameLength
        guard raw[length...].allSatisfy({ $0 == 0 }) else {
            throw .badHeader(offset: offset, field: "name", reason: "has bytes after its terminating NUL")
        }
        guard let name = String(validating: raw[..<length], as: UTF8.self) else {
            throw .badHeader(offset: offset, field: "name", reason: "is not UTF-8")
        }
        return name
    }

    private static func requireRegularFile(_ block: [UInt8], name: String) throws(PackageError) {
        let kinds: [UInt8: String] = [0x31: "hard link", 0x32: "symbolic link", 0x33: "character device",
                                      0x34: "block device", 0x35: "folder", 0x36: "FIFO", 0x37: "contiguous file",
                                      0x78: "pax extended header", 0x67: "pax global header",
                                      0x4C: "GNU long-name record", 0x4B: "GNU long-link record"]
        let flag = block[156]
        guard flag == UInt8(ascii: "0") else {
            let kind = kinds[flag] ?? String(format: "member of type 0x%02x", flag)
            throw .notRegularFile(member: name, kind: kind)
        }
        guard block[157..<257].allSatisfy({ $0 == 0 }) else {
            throw .notRegularFile(member: name, kind: "regular file with a link target")
        }
    }

    /// An octal number of `length - 1` digits and a NUL (or space) terminator.
    private static func octalField(_ block: [UInt8], _ start: Int, _ length: Int, name: String,
                                   at offset: UInt64) throws(PackageError) -> UInt64 {
        let digits = block[start..<(start + length - 1)]
        let terminator = block[start + length - 1]
        guard digits.allSatisfy({ (0x30...0x37).contains($0) }), terminator == 0 || terminator == 0x20 else {
            throw .badHeader(offset: offset, field: name, reason: "is not \(length - 1) octal digits and a terminator")
        }
        return digits.reduce(0) { $0 * 8 + UInt64($1 - 0x30) }
    }

    private func octal(_ value: UInt64, digits: Int) -> [UInt8] {
        let text = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, digits - text.count)) + text).utf8) + [0]
    }

    private func put(_ bytes: [UInt8], at start: Int, into block: inout [UInt8]) {
        block.replaceSubrange(start..<(start + bytes.count), with: bytes)
    }
}
