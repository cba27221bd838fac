import Foundation

/// The central directory of a zip file (PKWARE APPNOTE 4.3.12, end record 4.3.16), read to
/// list names and sizes; stored (uncompressed) members can be read back. Names are checked
/// like package member paths.
struct ZipDirectory {
    struct Entry {
        let name: String
        let method: UInt16
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let localHeaderOffset: UInt64
    }

    let file: RandomAccessFile
    let entries: [Entry]

    static func read(path: String) throws -> ZipDirectory {
        try read(try RandomAccessFile(path: path))
    }

    static func read(_ file: RandomAccessFile) throws -> ZipDirectory {
        let path = file.path
        let tailLength = Int(min(file.size, 65_557))
        let tail = try file.read(at: file.size - UInt64(tailLength), count: tailLength)
        guard let end = stride(from: tail.count - 22, through: 0, by: -1).first(where: { readLE32(tail, $0) == 0x0605_4B50 }) else {
            throw PackageError.vendorFormat(path: path, reason: "no zip end-of-central-directory record")
        }
        let count = Int(readLE16(tail, end + 10))
        let size = UInt64(readLE32(tail, end + 12)), offset = UInt64(readLE32(tail, end + 16))
        guard size <= 16 << 20 else { throw PackageError.oversized(field: "\(path) central directory", size: size, limit: 16 << 20) }
        let directory = try file.read(at: offset, count: Int(size))
        var entries: [Entry] = [], position = 0, names = Set<String>()
        for _ in 0..<count {
            guard position + 46 <= directory.count, readLE32(directory, position) == 0x0201_4B50 else {
                throw PackageError.vendorFormat(path: path, reason: "zip central directory entry at byte \(offset + UInt64(position)) is damaged")
            }
            let nameLength = Int(readLE16(directory, position + 28)), extra = Int(readLE16(directory, position + 30))
            let comment = Int(readLE16(directory, position + 32))
            guard position + 46 + nameLength <= directory.count else {
                throw PackageError.truncated(what: "\(path) central directory", offset: offset + UInt64(position), needed: UInt64(46 + nameLength), available: UInt64(directory.count - position))
            }
            let name = String(decoding: directory[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            if !name.hasSuffix("/") {
                do { try MemberPath.check(name) } catch { throw PackageError.vendorFormat(path: path, reason: "zip entry: \(error)") }
                guard names.insert(name).inserted else { throw PackageError.duplicateMember(name) }
                entries.append(Entry(name: name, method: readLE16(directory, position + 10),
                                     compressedSize: UInt64(readLE32(directory, position + 20)),
                                     uncompressedSize: UInt64(readLE32(directory, position + 24)),
                                     localHeaderOffset: UInt64(readLE32(directory, position + 42))))
            }
            position += 46 + nameLength + extra + comment
        }
        return ZipDirectory(file: file, entries: entries)
    }

    /// The bytes of a stored member; compressed members are refused (the flash backends expand them).
    func storedContent(of entry: Entry, limit: UInt64) throws -> [UInt8] {
        guard entry.method == 0 else {
            throw PackageError.vendorFormat(path: file.path, reason: "\(entry.name) is compressed (method \(entry.method)); inspect reads stored XML only — unzip the set and inspect the folder")
        }
        guard entry.uncompressedSize <= limit else { throw PackageError.oversized(field: entry.name, size: entry.uncompressedSize, limit: limit) }
        let local = try file.read(at: entry.localHeaderOffset, count: 30)
        guard readLE32(local, 0) == 0x0403_4B50 else {
            throw PackageError.vendorFormat(path: file.path, reason: "local header of \(entry.name) at byte \(entry.localHeaderOffset) is damaged")
        }
        let start = entry.localHeaderOffset + 30 + UInt64(readLE16(local, 26)) + UInt64(readLE16(local, 28))
        return try file.read(at: start, count: Int(entry.uncompressedSize))
    }
}

func readLE16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
}
