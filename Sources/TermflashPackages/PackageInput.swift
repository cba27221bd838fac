import Foundation

/// Bytes read front to back once: a package file on disk, a pipe, or memory. Readers never
/// seek, so a package is verified while it streams by.
public protocol PackageInput: AnyObject {
    /// Up to `count` bytes; fewer only at the end of the input, none after it.
    func read(upTo count: Int) throws -> [UInt8]
}

/// A file read in large chunks.
public final class FilePackageInput: PackageInput {
    /// The file's path, for errors.
    public let path: String
    private let handle: FileHandle

    /// Opens `path` for reading, from `offset` on.
    public init(path: String, offset: UInt64 = 0) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PackageError.unreadable(path: path, reason: "cannot be opened for reading")
        }
        self.path = path
        self.handle = handle
        if offset > 0 {
            do { try handle.seek(toOffset: offset) } catch {
                throw PackageError.unreadable(path: path, reason: "cannot seek to byte \(offset)")
            }
        }
    }

    deinit { try? handle.close() }

    public func read(upTo count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let chunk: Data?
            do { chunk = try handle.read(upToCount: count - bytes.count) } catch {
                throw PackageError.unreadable(path: path, reason: "read failed (\(error.localizedDescription))")
            }
            guard let chunk, !chunk.isEmpty else { break }
            bytes += chunk
        }
        return bytes
    }
}

/// Bytes in memory (tests, fuzzing).
public final class MemoryPackageInput: PackageInput {
    private let bytes: [UInt8]
    private var position = 0

    /// An input over `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(upTo count: Int) throws -> [UInt8] {
        let end = min(bytes.count, position + count)
        defer { position = end }
        return Array(bytes[position..<end])
    }
}
