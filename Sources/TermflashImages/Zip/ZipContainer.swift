import Foundation
import TermflashCore

/// A rawprogram set inside a zip archive: members are read where they lie, stored ones by
/// random access and deflated ones inflated as they are read, never extracted to disk.
public final class ZipContainer: ImageContainer {
    /// The archive.
    public let url: URL
    /// The archive's members (folders included).
    public let members: [ZipMember]
    private let membersByName: [String: ZipMember]

    /// Reads the archive's central directory.
    public init(url: URL) throws {
        self.url = url
        let file = try FileByteSource(path: url.path)
        members = try ZipDirectory.read(file, archive: url.path)
        membersByName = Dictionary(members.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var displayName: String { url.path }

    public var fileNames: [String] { members.filter { !$0.isFolder }.map(\.name) }

    public func data(of name: String) throws -> Data {
        let source = try self.source(of: name)
        guard source.count <= 64 << 20 else {
            throw ZipError(archive: url.path, member: name, problem: "is \(source.count) bytes, too large to be an XML file")
        }
        return Data(try source.read(offset: 0, length: Int(source.count)))
    }

    public func source(of name: String) throws -> ByteSource {
        guard let member = membersByName[name] else {
            throw ZipError(archive: url.path, member: name, problem: "no such member")
        }
        let dataOffset = try self.dataOffset(of: member)
        let archiveSize = try FileByteSource(path: url.path).count
        guard dataOffset <= archiveSize, member.compressedSize <= archiveSize - dataOffset else {
            throw ZipError(archive: url.path, member: name, offset: dataOffset,
                           problem: "its \(member.compressedSize) bytes of data run past the end of the file: the zip is truncated")
        }
        let data = try FileByteSource(path: url.path, offset: dataOffset, length: member.compressedSize)
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw ZipError(archive: url.path, member: name, offset: dataOffset, problem: "stored member's sizes disagree (\(member.compressedSize) vs \(member.uncompressedSize))")
            }
            return data
        case 8:
            return try InflatingByteSource(compressed: data, member: member, archive: url.path)
        default:
            throw ZipError(archive: url.path, member: name, problem: "compression method \(member.method) is not supported (only stored and deflate)")
        }
    }

    /// Offset of a member's data: after its local header, whose name and extra lengths may differ from the central directory's.
    private func dataOffset(of member: ZipMember) throws -> UInt64 {
        guard member.flags & 1 == 0 else {
            throw ZipError(archive: url.path, member: member.name, problem: "is encrypted")
        }
        let file = try FileByteSource(path: url.path)
        guard member.localHeaderOffset < file.count else {
            throw ZipError(archive: url.path, member: member.name, offset: member.localHeaderOffset, problem: "the central directory points past the end of the file")
        }
        var header = ByteReader(try file.read(offset: member.localHeaderOffset, length: 30))
        guard header.remaining == 30, try header.read(UInt32.self, endianness: .little) == 0x0403_4B50 else {
            throw ZipError(archive: url.path, member: member.name, offset: member.localHeaderOffset, problem: "no local file header where the central directory points")
        }
        try header.skip(22)
        let nameLength = UInt64(try header.read(UInt16.self, endianness: .little))
        let extraLength = UInt64(try header.read(UInt16.self, endianness: .little))
        return member.localHeaderOffset + 30 + nameLength + extraLength
    }
}
