extension PatchEntry {
    /// Applies the patch to `storage`, a whole LUN or host file held in memory: evaluates the
    /// value against `storage` itself and writes it. Returns the bytes written.
    @discardableResult
    public func apply(to storage: inout [UInt8], diskSectors: UInt64) throws -> [UInt8] {
        let size = UInt64(sectorSize)
        let bytes = try evaluate(diskSectors: diskSectors) { _, start, count in
            let limit = UInt64(storage.count) / size
            guard start <= limit, count <= limit - start else {
                throw RawProgramError(location: location, element: "patch", attribute: "value",
                                      problem: "CRC32 reads sectors \(start)+\(count), past the end of the \(storage.count)-byte \(target)")
            }
            return Array(storage[Int(start * size)..<Int((start + count) * size)])
        }
        let start = try resolvedStart(diskSectors: diskSectors)
        let offset = start.multipliedReportingOverflow(by: size).partialValue &+ byteOffset
        guard start <= UInt64(storage.count) / size, offset + UInt64(bytes.count) <= UInt64(storage.count) else {
            throw RawProgramError(location: location, element: "patch", attribute: "start_sector",
                                  problem: "writes at byte \(offset), past the end of the \(storage.count)-byte \(target)")
        }
        storage.replaceSubrange(Int(offset)..<Int(offset) + bytes.count, with: bytes)
        return bytes
    }
}
