/// Walks a ustar archive front to back: headers, member data in chunks, zero padding, and the
/// closing zero blocks. Every rule the format allows to be bent is enforced (see `TarHeader`).
final class TarReader {
    /// A member whose header was read; its data follows.
    struct Member {
        let name: String
        let size: UInt64
        /// Offset of the data in the archive.
        let dataOffset: UInt64
    }

    private let input: PackageInput
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Bytes consumed so far.
    private(set) var offset: UInt64 = 0
    private var seenNames = Set<String>()
    private let chunkSize: Int

    init(_ input: PackageInput, chunkSize: Int = 1 << 20) {
        self.input = input
        self.chunkSize = chunkSize
    }

    /// The next member's header, or `nil` at the end-of-archive marker (after checking that
    /// everything from there to the end of the input is zero and at least two blocks long).
    func nextMember() throws -> Member? {
        let headerOffset = offset
        let block = try take(TarHeader.blockSize, what: "tar header")
        if block.allSatisfy({ $0 == 0 }) {
            try finishEnd(startingAt: headerOffset)
            return nil
        }
        let header = try TarHeader.decode(block, at: headerOffset)
        try MemberPath.check(header.name)
        guard seenNames.insert(header.name).inserted else { throw PackageError.duplicateMember(header.name) }
        return Member(name: header.name, size: header.size, dataOffset: offset)
    }

    /// Feeds the member's data to `consume` in chunks, then checks its zero padding.
    func readData(of member: Member, _ consume: ([UInt8]) throws -> Void) throws {
        var remaining = member.size
        while remaining > 0 {
            let count = Int(min(remaining, UInt64(chunkSize)))
            try consume(try take(count, what: "data of member '\(member.name)'"))
            remaining -= UInt64(count)
        }
        let padding = Int((UInt64(TarHeader.blockSize) - member.size % UInt64(TarHeader.blockSize)) % UInt64(TarHeader.blockSize))
        let paddingStart = offset
        let zeros = try take(padding, what: "padding of member '\(member.name)'")
        if let bad = zeros.firstIndex(where: { $0 != 0 }) {
            throw PackageError.nonZeroPadding(member: member.name, offset: paddingStart + UInt64(bad))
        }
    }

    /// The member's whole data, refused above `limit` bytes.
    func readAll(of member: Member, limit: UInt64, field: String) throws -> [UInt8] {
        guard member.size <= limit else { throw PackageError.oversized(field: field, size: member.size, limit: limit) }
        var data: [UInt8] = []
        try readData(of: member) { data += $0 }
        return data
    }

    private func finishEnd(startingAt start: UInt64) throws {
        var zeroBlocks = 1
        while true {
            let blockOffset = offset
            let block = try takeAvailable(TarHeader.blockSize)
            if block.isEmpty { break }
            guard block.count == TarHeader.blockSize else { throw PackageError.trailingData(offset: blockOffset) }
            if let bad = block.firstIndex(where: { $0 != 0 }) { throw PackageError.trailingData(offset: blockOffset + UInt64(bad)) }
            zeroBlocks += 1
        }
        guard zeroBlocks >= 2 else { throw PackageError.missingEnd(offset: offset) }
    }

    /// Exactly `count` bytes, or `truncated` naming `what`.
    private func take(_ count: Int, what: String) throws -> [UInt8] {
        let start = offset
        let bytes = try takeAvailable(count)
        guard bytes.count == count else {
            if count == TarHeader.blockSize, bytes.isEmpty, what == "tar header" { throw PackageError.missingEnd(offset: start) }
            throw PackageError.truncated(what: what, offset: start, needed: UInt64(count), available: UInt64(bytes.count))
        }
        return bytes
    }

    /// Up to `count` bytes, fewer only at the end of the input.
    private func takeAvailable(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(count, buffer.count - bufferStart))
        while result.count < count {
            if bufferStart == buffer.count {
                buffer = try input.read(upTo: max(chunkSize, count - result.count))
                bufferStart = 0
                if buffer.isEmpty { break }
            }
            let taking = min(count - result.count, buffer.count - bufferStart)
            result += buffer[bufferStart..<(bufferStart + taking)]
            bufferStart += taking
        }
        offset += UInt64(result.count)
        return result
    }
}
