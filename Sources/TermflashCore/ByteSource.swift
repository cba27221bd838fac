#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Random-access bytes of an image to write, without loading it whole: a file, a slice of
/// one, an expanded sparse image, a delta being reconstructed, or memory.
public protocol ByteSource: AnyObject {
    /// Total length in bytes.
    var count: UInt64 { get }
    /// `length` bytes from `offset` (fewer only at the end).
    func read(offset: UInt64, length: Int) throws -> [UInt8]
}

/// Bytes held in memory (tests, small images).
public final class MemoryByteSource: ByteSource {
    public let bytes: [UInt8]

    /// A source over `bytes`.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var count: UInt64 { UInt64(bytes.count) }

    public func read(offset: UInt64, length: Int) throws -> [UInt8] {
        let start = Int(min(offset, count))
        return Array(bytes[start..<min(bytes.count, start + length)])
    }
}

/// A range of another source (clamped to its end).
public final class ByteSourceSlice: ByteSource {
    private let base: ByteSource
    private let start: UInt64
    public let count: UInt64

    /// `length` bytes of `base` from `offset` (to its end when `length` is nil).
    public init(_ base: ByteSource, offset: UInt64, length: UInt64? = nil) {
        self.base = base
        start = min(offset, base.count)
        count = min(length ?? .max, base.count - start)
    }

    public func read(offset: UInt64, length: Int) throws -> [UInt8] {
        guard offset < count else { return [] }
        return try base.read(offset: start + offset, length: Int(min(UInt64(length), count - offset)))
    }
}

/// A file, or a range of one, read on demand.
public final class FileByteSource: ByteSource {
    /// The file's path (for errors and reports).
    public let path: String
    public let count: UInt64
    private let start: UInt64
    private let handle: FileHandle

    /// The whole file, or `length` bytes from `offset`.
    public init(path: String, offset: UInt64 = 0, length: UInt64? = nil) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        let size = try handle.seekToEnd()
        guard offset <= size else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path]) }
        self.path = path
        self.handle = handle
        start = offset
        count = min(length ?? (size - offset), size - offset)
    }

    deinit { try? handle.close() }

    public func read(offset: UInt64, length: Int) throws -> [UInt8] {
        guard offset < count else { return [] }
        let wanted = Int(min(UInt64(length), count - offset))
        let descriptor = handle.fileDescriptor
        let position = start + offset
        // One pread straight into the array: no intermediate Data, no seek.
        return try [UInt8](unsafeUninitializedCapacity: wanted) { buffer, filled in
            filled = 0
            while filled < wanted {
                let got = pread(descriptor, buffer.baseAddress! + filled, wanted - filled, off_t(position + UInt64(filled)))
                if got < 0, errno == EINTR { continue }
                guard got > 0 else {
                    if got == 0 { break }
                    throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path])
                }
                filled += got
            }
        }
    }
}
