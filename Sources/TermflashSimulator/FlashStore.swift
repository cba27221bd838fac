import Foundation
import TermflashCore

/// The storage of a simulated device: one file per LUN (or chip), written in place, so a
/// test can check the bytes "on the device" from outside. Counts what was written, for
/// differential-flash checks, and can fail on purpose.
public final class FlashStore: @unchecked Sendable {
    /// One LUN or chip.
    public struct Unit: Sendable {
        /// Backing file.
        public let path: String
        /// Bytes per sector (512 or 4096 for eMMC/UFS; the page size for NAND).
        public let sectorSize: Int
        /// Size in bytes.
        public let size: UInt64
    }

    /// The units, by LUN number.
    public let units: [Unit]
    private let handles: [FileHandle]
    private let lock = NSLock()
    private var written: [Int: Set<UInt64>] = [:]
    private var bytesWritten: UInt64 = 0
    /// Fail with an I/O error once this many bytes have been written in total (fault injection).
    public var failAfterBytes: UInt64?

    /// Opens (creating and sizing when missing) one file per unit: `paths[i]` of `sizes[i]` bytes.
    public init(paths: [String], sizes: [UInt64], sectorSize: Int) throws {
        precondition(paths.count == sizes.count && !paths.isEmpty, "one size per unit, at least one unit")
        precondition(sectorSize > 0 && sectorSize.nonzeroBitCount == 1, "sector size must be a power of two")
        var handles: [FileHandle] = []
        var units: [Unit] = []
        for (path, size) in zip(paths, sizes) {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
                }
            }
            guard let handle = FileHandle(forUpdatingAtPath: path) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
            try handle.truncate(atOffset: size)
            handles.append(handle)
            units.append(Unit(path: path, sectorSize: sectorSize, size: size))
        }
        self.handles = handles
        self.units = units
    }

    deinit { handles.forEach { try? $0.close() } }

    /// Reads `length` bytes of LUN `lun` from `offset`.
    public func read(lun: Int, offset: UInt64, length: Int) throws -> [UInt8] {
        try check(lun: lun, offset: offset, length: UInt64(length))
        lock.lock()
        defer { lock.unlock() }
        try handles[lun].seek(toOffset: offset)
        return [UInt8](try handles[lun].read(upToCount: length) ?? Data())
    }

    /// Writes `bytes` at `offset` of LUN `lun`, counting the sectors touched.
    public func write(lun: Int, offset: UInt64, bytes: [UInt8]) throws {
        try check(lun: lun, offset: offset, length: UInt64(bytes.count))
        lock.lock()
        defer { lock.unlock() }
        if let limit = failAfterBytes, bytesWritten + UInt64(bytes.count) > limit {
            throw FlashStoreError.injectedFailure(afterBytes: limit)
        }
        try handles[lun].seek(toOffset: offset)
        try handles[lun].write(contentsOf: bytes)
        bytesWritten += UInt64(bytes.count)
        let sector = UInt64(units[lun].sectorSize)
        guard !bytes.isEmpty else { return }
        for index in (offset / sector)...((offset + UInt64(bytes.count) - 1) / sector) {
            written[lun, default: []].insert(index)
        }
    }

    /// Fills a range with `value` (0xFF for erased NAND/NOR, 0 for eMMC/UFS discard).
    public func erase(lun: Int, offset: UInt64, length: UInt64, value: UInt8 = 0xFF) throws {
        var done: UInt64 = 0
        while done < length {
            let chunk = Int(min(length - done, 1 << 20))
            try write(lun: lun, offset: offset + done, bytes: [UInt8](repeating: value, count: chunk))
            done += UInt64(chunk)
        }
    }

    /// Distinct sectors written since creation or the last ``resetCounters()``.
    public var sectorsWritten: Int {
        lock.lock()
        defer { lock.unlock() }
        return written.values.reduce(0) { $0 + $1.count }
    }

    /// Total bytes written (rewrites counted again).
    public var totalBytesWritten: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return bytesWritten
    }

    /// Forgets the counters.
    public func resetCounters() {
        lock.lock()
        written = [:]
        bytesWritten = 0
        lock.unlock()
    }

    /// Flushes every unit to its file.
    public func synchronize() throws {
        try handles.forEach { try $0.synchronize() }
    }

    private func check(lun: Int, offset: UInt64, length: UInt64) throws {
        guard units.indices.contains(lun) else { throw FlashStoreError.noSuchLUN(lun, available: units.count) }
        guard offset <= units[lun].size, length <= units[lun].size - offset else {
            throw FlashStoreError.outOfRange(lun: lun, offset: offset, length: length, size: units[lun].size)
        }
    }
}

/// Why the simulated storage refused an access.
public enum FlashStoreError: Error, Equatable, CustomStringConvertible {
    case noSuchLUN(Int, available: Int)
    case outOfRange(lun: Int, offset: UInt64, length: UInt64, size: UInt64)
    case injectedFailure(afterBytes: UInt64)

    public var description: String {
        switch self {
        case let .noSuchLUN(lun, available): return "LUN \(lun) does not exist (the store has \(available))"
        case let .outOfRange(lun, offset, length, size): return "LUN \(lun): \(length) bytes at \(offset) pass the end (\(size) bytes)"
        case let .injectedFailure(limit): return "injected storage failure after \(limit) bytes"
        }
    }
}
