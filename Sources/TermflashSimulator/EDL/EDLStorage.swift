#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TermflashCore

/// The storage of a simulated EDL device: one file holding every LUN back to back (LUN `n`
/// starts at `n × lunBytes`), read and written in place with `pread`/`pwrite`, so tests and
/// users can check "what is on the device" from outside.
public final class EDLStorage: @unchecked Sendable {
    /// Backing file.
    public let path: String
    /// Bytes per sector (512 for eMMC, 4096 for UFS).
    public let sectorSize: Int
    /// Number of LUNs (physical partitions).
    public let lunCount: Int
    /// Bytes per LUN.
    public let lunBytes: UInt64
    private let descriptor: Int32

    /// Opens `path`, creating it with `lunCount × lunBytes` zero bytes when missing. An
    /// existing file's size decides the LUN size (its size divided by `lunCount`).
    public init(path: String, lunCount: Int, lunBytes: UInt64? = nil, sectorSize: Int) throws {
        precondition(lunCount > 0 && sectorSize > 0, "a storage needs LUNs and a sector size")
        let exists = FileManager.default.fileExists(atPath: path)
        let descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw EDLStorageError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var size = UInt64(lseek(descriptor, 0, SEEK_END))
        if let lunBytes, !exists || size == 0 {
            size = lunBytes * UInt64(lunCount)
            guard ftruncate(descriptor, off_t(size)) == 0 else {
                close(descriptor)
                throw EDLStorageError.cannotOpen(path: path, reason: "cannot size to \(size) bytes: \(String(cString: strerror(errno)))")
            }
        }
        let perLUN = size / UInt64(lunCount)
        guard perLUN >= UInt64(sectorSize) * 64, perLUN % UInt64(sectorSize) == 0 else {
            close(descriptor)
            throw EDLStorageError.badGeometry(path: path, bytes: size, luns: lunCount, sectorSize: sectorSize)
        }
        self.path = path
        self.descriptor = descriptor
        self.sectorSize = sectorSize
        self.lunCount = lunCount
        self.lunBytes = perLUN
    }

    deinit { close(descriptor) }

    /// Sectors per LUN (the programmer's NUM_DISK_SECTORS).
    public var sectorsPerLUN: UInt64 { lunBytes / UInt64(sectorSize) }

    /// Reads `length` bytes at byte `offset` of `lun`.
    public func read(lun: Int, offset: UInt64, length: Int) throws -> [UInt8] {
        let base = try position(lun: lun, offset: offset, length: UInt64(length))
        return try [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            count = 0
            while count < length {
                let got = pread(descriptor, buffer.baseAddress! + count, length - count, off_t(base + UInt64(count)))
                if got < 0, errno == EINTR { continue }
                guard got > 0 else { throw EDLStorageError.io(path: path, call: "pread", reason: String(cString: strerror(errno))) }
                count += got
            }
        }
    }

    /// Writes `bytes` at byte `offset` of `lun`.
    public func write<Bytes: Collection<UInt8>>(lun: Int, offset: UInt64, bytes: Bytes) throws {
        let base = try position(lun: lun, offset: offset, length: UInt64(bytes.count))
        let written: Int? = try bytes.withContiguousStorageIfAvailable { buffer in
            var done = 0
            while done < buffer.count {
                let put = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(base + UInt64(done)))
                if put < 0, errno == EINTR { continue }
                guard put > 0 else { throw EDLStorageError.io(path: path, call: "pwrite", reason: String(cString: strerror(errno))) }
                done += put
            }
            return done
        }
        if written == nil { try write(lun: lun, offset: offset, bytes: Array(bytes)) }
    }

    /// Fills a range with zeros (eMMC/UFS erase reads back as zeros).
    public func erase(lun: Int, offset: UInt64, length: UInt64) throws {
        let zeros = [UInt8](repeating: 0, count: Int(min(length, 1 << 20)))
        var done: UInt64 = 0
        while done < length {
            let count = Int(min(length - done, UInt64(zeros.count)))
            try write(lun: lun, offset: offset + done, bytes: zeros[..<count])
            done += UInt64(count)
        }
    }

    /// Flushes to the file.
    public func synchronize() { fsync(descriptor) }

    private func position(lun: Int, offset: UInt64, length: UInt64) throws -> UInt64 {
        guard lun >= 0, lun < lunCount else { throw EDLStorageError.noSuchLUN(lun, available: lunCount) }
        guard offset <= lunBytes, length <= lunBytes - offset else {
            throw EDLStorageError.outOfRange(lun: lun, offset: offset, length: length, lunBytes: lunBytes)
        }
        return UInt64(lun) * lunBytes + offset
    }
}

/// Why the simulated storage refused an access.
public enum EDLStorageError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case badGeometry(path: String, bytes: UInt64, luns: Int, sectorSize: Int)
    case noSuchLUN(Int, available: Int)
    case outOfRange(lun: Int, offset: UInt64, length: UInt64, lunBytes: UInt64)
    case io(path: String, call: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "storage \(path) cannot be opened: \(reason)"
        case let .badGeometry(path, bytes, luns, sector):
            return "storage \(path) has \(bytes) bytes, which do not split into \(luns) LUN(s) of whole \(sector)-byte sectors (at least 64 each); give --luns/--sector-size that fit, or a new file with --size"
        case let .noSuchLUN(lun, available): return "LUN \(lun) does not exist (the storage has \(available))"
        case let .outOfRange(lun, offset, length, size): return "LUN \(lun): \(length) bytes at byte \(offset) pass its end (\(size) bytes)"
        case let .io(path, call, reason): return "storage \(path): \(call) failed: \(reason)"
        }
    }
}
