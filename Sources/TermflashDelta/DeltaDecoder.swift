import TermflashCore
import TermflashCrypto

/// Applies a patch as a stream: one chunk (a window of the target) in memory at a time,
/// random reads of the source, and nothing handed to the output before the patch's own
/// digest and the source's digest have been checked.
public final class DeltaDecoder {
    /// The patch's header.
    public let header: DeltaHeader
    private let patch: ByteSource
    private let patchName: String

    /// Opens a patch and reads its header.
    public init(patch: ByteSource, name: String) throws {
        self.patch = patch
        patchName = name
        let minimum = UInt64(DeltaFormat.headerSize + DeltaFormat.trailerSize)
        let head = try patch.read(offset: 0, length: DeltaFormat.headerSize)
        if head.count >= 8, Array(head[0..<8]) != DeltaFormat.magic { throw DeltaError.notADelta(patch: name) }
        guard patch.count >= minimum else {
            throw DeltaError.truncated(patch: name, offset: patch.count, needed: "a header and a trailer (\(minimum) bytes)")
        }
        header = try DeltaHeader.parse(head, patch: name)
    }

    /// Checks the trailer: magic, and the SHA-256 of everything before it.
    public func verifyIntegrity() throws {
        let bodyLength = patch.count - UInt64(DeltaFormat.trailerSize)
        let trailer = try patch.read(offset: bodyLength, length: DeltaFormat.trailerSize)
        guard Array(trailer.prefix(8)) == DeltaFormat.trailerMagic else {
            throw DeltaError.truncated(patch: patchName, offset: patch.count, needed: "the TFDEND01 trailer")
        }
        let digest = SHA256()
        var done: UInt64 = 0
        while done < bodyLength {
            let piece = try patch.read(offset: done, length: Int(min(1 << 20, bodyLength - done)))
            guard !piece.isEmpty else { throw DeltaError.truncated(patch: patchName, offset: done, needed: "patch bytes") }
            digest.update(piece)
            done += UInt64(piece.count)
        }
        guard digest.finish() == Array(trailer[8...]) else { throw DeltaError.patchDigestMismatch(patch: patchName) }
    }

    /// Checks that `source` is the patch's source (size, then SHA-256 unless the caller already
    /// confirmed it another way), without writing anything.
    public func verifySource(_ source: ByteSource, name: String) throws {
        guard source.count == header.sourceSize else {
            throw DeltaError.wrongSource(source: name, expectedSize: header.sourceSize, expectedSHA256: header.sourceSHA256.hexString,
                                         actualSize: source.count, actualSHA256: nil)
        }
        let actual = try Self.sha256(of: source)
        guard actual == header.sourceSHA256 else {
            throw DeltaError.wrongSource(source: name, expectedSize: header.sourceSize, expectedSHA256: header.sourceSHA256.hexString,
                                         actualSize: source.count, actualSHA256: actual.hexString)
        }
    }

    /// Checks the patch and the source, then hands the target to `output` window by window
    /// and checks its digest at the end. `sourceConfirmed` skips hashing a source the caller
    /// confirmed already (a device-side digest); the size is still checked.
    public func apply(source: ByteSource, sourceName: String, sourceConfirmed: Bool = false,
                      output: (ArraySlice<UInt8>) throws -> Void) throws {
        try verifyIntegrity()
        if sourceConfirmed {
            guard source.count == header.sourceSize else {
                throw DeltaError.wrongSource(source: sourceName, expectedSize: header.sourceSize,
                                             expectedSHA256: header.sourceSHA256.hexString, actualSize: source.count, actualSHA256: nil)
            }
        } else {
            try verifySource(source, name: sourceName)
        }
        let window = SourceWindow(source)
        let digest = SHA256()
        var offset = UInt64(DeltaFormat.headerSize)
        var produced: UInt64 = 0
        for _ in 0..<header.chunkCount {
            let expected = UInt32(min(UInt64(header.window), header.targetSize - produced))
            let target = try decodeChunk(at: &offset, expectedLength: expected, source: window)
            digest.update(target)
            try output(target[...])
            produced += UInt64(target.count)
        }
        guard offset == patch.count - UInt64(DeltaFormat.trailerSize) else {
            throw DeltaError.trailingBytes(patch: patchName, offset: offset)
        }
        let actual = digest.finish()
        guard actual == header.targetSHA256 else {
            throw DeltaError.targetDigestMismatch(patch: patchName, expected: header.targetSHA256.hexString, actual: actual.hexString)
        }
    }

    /// Decodes into memory (tests, fuzzing, small images).
    public func apply(source: [UInt8]) throws -> [UInt8] {
        var target: [UInt8] = []
        try apply(source: MemoryByteSource(source), sourceName: "source") { target += $0 }
        return target
    }

    /// The chunk headers and control streams, for `delta info`.
    func chunkSummaries() throws -> [ChunkSummary] {
        var offset = UInt64(DeltaFormat.headerSize)
        var produced: UInt64 = 0
        var summaries: [ChunkSummary] = []
        for _ in 0..<header.chunkCount {
            let expected = UInt32(min(UInt64(header.window), header.targetSize - produced))
            let chunkOffset = offset
            let chunk = try readChunkHeader(at: &offset, expectedLength: expected)
            let control = try unpack(at: &offset, packed: chunk.controlPacked, raw: chunk.controlRaw, stream: "control")
            offset += UInt64(chunk.diffPacked) + UInt64(chunk.extraPacked)
            let operations = try ControlProgram.parse(control, version: header.version, patch: patchName, offset: chunkOffset)
            summaries.append(ChunkSummary(header: chunk, operations: operations))
            produced += UInt64(expected)
        }
        return summaries
    }

    private func readChunkHeader(at offset: inout UInt64, expectedLength: UInt32) throws -> DeltaChunkHeader {
        let bytes = try patch.read(offset: offset, length: DeltaFormat.chunkHeaderSize)
        guard bytes.count == DeltaFormat.chunkHeaderSize else {
            throw DeltaError.truncated(patch: patchName, offset: offset, needed: "a 36-byte chunk header")
        }
        let chunk = try DeltaChunkHeader.parse(bytes, offset: offset, expectedLength: expectedLength, header: header, patch: patchName)
        offset += UInt64(DeltaFormat.chunkHeaderSize)
        return chunk
    }

    private func unpack(at offset: inout UInt64, packed: UInt32, raw: UInt32, stream: String) throws -> [UInt8] {
        let bytes = try patch.read(offset: offset, length: Int(packed))
        guard bytes.count == Int(packed) else {
            throw DeltaError.truncated(patch: patchName, offset: offset + UInt64(bytes.count), needed: "\(packed) bytes of the \(stream) stream")
        }
        switch LZMACodec.decompress(bytes[...], expectedCount: Int(raw)) {
        case let .success(unpacked):
            offset += UInt64(packed)
            return unpacked
        case let .failure(failure):
            throw DeltaError.corruptStream(patch: patchName, offset: offset, stream: stream, reason: failure.description)
        }
    }

    private func decodeChunk(at offset: inout UInt64, expectedLength: UInt32, source: SourceWindow) throws -> [UInt8] {
        let chunkOffset = offset
        let chunk = try readChunkHeader(at: &offset, expectedLength: expectedLength)
        let control = try unpack(at: &offset, packed: chunk.controlPacked, raw: chunk.controlRaw, stream: "control")
        let diffOffset = offset
        var diffStream = try unpack(at: &offset, packed: chunk.diffPacked, raw: chunk.diffRaw, stream: "diff")
        let diff = try diffBytes(&diffStream, chunk: chunk, at: diffOffset)
        let extra = try unpack(at: &offset, packed: chunk.extraPacked, raw: chunk.extraRaw, stream: "extra")
        let program = try ControlProgram.parse(control, version: header.version, patch: patchName, offset: chunkOffset)
        return try program.run(chunk: chunk, diff: diff, extra: extra, source: source, patch: patchName, offset: chunkOffset)
    }

    /// The chunk's diff bytes: the stream itself before version 3, else decoded by its layout.
    private func diffBytes(_ stream: inout [UInt8], chunk: DeltaChunkHeader, at offset: UInt64) throws -> [UInt8] {
        guard header.version >= 3 else { return stream }
        switch DiffLayout.decode(&stream, expectedCount: Int(chunk.targetLength - chunk.extraRaw)) {
        case let .success(diff): return diff
        case let .failure(failure):
            throw DeltaError.corruptStream(patch: patchName, offset: offset, stream: "diff", reason: failure.description)
        }
    }

    static func sha256(of source: ByteSource) throws -> [UInt8] {
        let digest = SHA256()
        var done: UInt64 = 0
        while done < source.count {
            let piece = try source.read(offset: done, length: Int(min(1 << 20, source.count - done)))
            guard !piece.isEmpty else { break }
            digest.update(piece)
            done += UInt64(piece.count)
        }
        return digest.finish()
    }
}

/// One chunk as `delta info` shows it.
struct ChunkSummary {
    var header: DeltaChunkHeader
    var operations: ControlProgram
}

/// A chunk's control stream, parsed and checked before it runs.
struct ControlProgram {
    struct Step {
        var add: Int
        var insert: Int
        var seek: Int64
    }

    var steps: [Step]

    var addBytes: Int { steps.reduce(0) { $0 + $1.add } }
    var insertBytes: Int { steps.reduce(0) { $0 + $1.insert } }

    /// Parses a chunk's control stream in the layout of format `version` (1: interleaved
    /// triples, 2: count and then columns).
    static func parse(_ control: [UInt8], version: UInt16, patch: String, offset: UInt64) throws -> ControlProgram {
        version == 1 ? try parseTriples(control, patch: patch, offset: offset) : try parseColumns(control, patch: patch, offset: offset)
    }

    private static func parseTriples(_ control: [UInt8], patch: String, offset: UInt64) throws -> ControlProgram {
        var steps: [Step] = []
        var position = 0
        while position < control.count {
            let start = position
            guard let add = Varint.read(control, &position), let insert = Varint.read(control, &position),
                  let seek = Varint.readSigned(control, &position) else {
                throw DeltaError.corruptStream(patch: patch, offset: offset, stream: "control",
                                               reason: "operation at control byte \(start) is cut off or too long")
            }
            try checkLengths(add: add, insert: insert, at: "operation at control byte \(start)", patch: patch, offset: offset)
            steps.append(Step(add: Int(add), insert: Int(insert), seek: seek))
        }
        return ControlProgram(steps: steps)
    }

    private static func parseColumns(_ control: [UInt8], patch: String, offset: UInt64) throws -> ControlProgram {
        func corrupt(_ reason: String) -> DeltaError {
            .corruptStream(patch: patch, offset: offset, stream: "control", reason: reason)
        }
        guard !control.isEmpty else { return ControlProgram(steps: []) }
        var position = 0
        guard let declared = Varint.read(control, &position) else { throw corrupt("the operation count is cut off or too long") }
        // Every operation takes at least three bytes (one per column).
        guard declared <= UInt64(control.count - position) / 3 else {
            throw corrupt("\(declared) operations cannot fit in \(control.count) control bytes")
        }
        let count = Int(declared)
        func column(_ name: String, signed: Bool) throws -> [Int64] {
            var values: [Int64] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                let value = signed ? Varint.readSigned(control, &position) : Varint.read(control, &position).map { Int64(bitPattern: $0) }
                guard let value else { throw corrupt("\(name) of operation \(index) (of \(count)) is cut off or too long") }
                values.append(value)
            }
            return values
        }
        let adds = try column("add length", signed: false)
        let inserts = try column("insert length", signed: false)
        let seeks = try column("seek", signed: true)
        guard position == control.count else { throw corrupt("\(control.count - position) bytes follow the last seek") }
        var steps: [Step] = []
        steps.reserveCapacity(count)
        for index in 0..<count {
            let add = UInt64(bitPattern: adds[index]), insert = UInt64(bitPattern: inserts[index])
            try checkLengths(add: add, insert: insert, at: "operation \(index) of \(count)", patch: patch, offset: offset)
            steps.append(Step(add: Int(add), insert: Int(insert), seek: seeks[index]))
        }
        return ControlProgram(steps: steps)
    }

    private static func checkLengths(add: UInt64, insert: UInt64, at field: String, patch: String, offset: UInt64) throws {
        let limit = UInt64(DeltaFormat.maximumWindow)
        guard add <= limit, insert <= limit else {
            throw DeltaError.invalidField(patch: patch, offset: offset, field: field,
                                          reason: "add \(add) / insert \(insert) bytes exceed the largest window")
        }
    }

    /// Rebuilds the chunk's target bytes.
    func run(chunk: DeltaChunkHeader, diff: [UInt8], extra: [UInt8], source: SourceWindow, patch: String, offset: UInt64) throws -> [UInt8] {
        var target = [UInt8]()
        target.reserveCapacity(Int(chunk.targetLength))
        var cursor = Int64(chunk.sourceCursor)
        var diffUsed = 0
        var extraUsed = 0
        func invalid(_ reason: String) -> DeltaError {
            .invalidField(patch: patch, offset: offset, field: "operations", reason: reason)
        }
        for step in steps {
            guard step.add <= diff.count - diffUsed, step.insert <= extra.count - extraUsed else {
                throw invalid("they use more diff or extra bytes than the chunk carries")
            }
            if step.add > 0 {
                guard cursor >= 0, UInt64(cursor) + UInt64(step.add) <= source.count else {
                    throw DeltaError.outsideSource(patch: patch, offset: offset, position: UInt64(bitPattern: cursor),
                                                   length: UInt64(step.add), sourceSize: source.count)
                }
                try source.add(from: UInt64(cursor), diff: diff[diffUsed..<diffUsed + step.add], into: &target)
                diffUsed += step.add
                cursor += Int64(step.add)
            }
            target += extra[extraUsed..<extraUsed + step.insert]
            extraUsed += step.insert
            let (moved, overflow) = cursor.addingReportingOverflow(step.seek)
            guard !overflow, moved.magnitude < 1 << 42 else { throw invalid("a seek of \(step.seek) leaves every possible source") }
            cursor = moved
        }
        guard diffUsed == diff.count, extraUsed == extra.count, target.count == Int(chunk.targetLength) else {
            throw invalid("they build \(target.count) of the chunk's \(chunk.targetLength) bytes")
        }
        return target
    }
}

/// Random reads of the source through a small cache of aligned blocks (32 × 16 KiB), so
/// many short copies from scattered places cost one small read each, not a big one.
final class SourceWindow {
    private static let blockSize = 16 << 10
    private static let blockCount = 32
    private let source: ByteSource
    private var blocks: [UInt64: [UInt8]] = [:]
    private var order: [UInt64] = []
    private var next = 0

    init(_ source: ByteSource) { self.source = source }

    var count: UInt64 { source.count }

    /// Appends source[at ..< at + diff.count] + diff (byte-wise, mod 256) to `target`.
    func add(from at: UInt64, diff: ArraySlice<UInt8>, into target: inout [UInt8]) throws {
        var position = at
        var used = diff.startIndex
        while used < diff.endIndex {
            let index = position / UInt64(Self.blockSize)
            let block = try load(index)
            let offset = Int(position - index * UInt64(Self.blockSize))
            let count = min(block.count - offset, diff.endIndex - used)
            guard count > 0 else { throw DeltaError.unreadable(path: "source", reason: "it ended at \(position)") }
            block.withUnsafeBufferPointer { bytes in
                diff.withUnsafeBufferPointer { delta in
                    for index in 0..<count { target.append(bytes[offset + index] &+ delta[used - diff.startIndex + index]) }
                }
            }
            used += count
            position += UInt64(count)
        }
    }

    private func load(_ index: UInt64) throws -> [UInt8] {
        if let block = blocks[index] { return block }
        let block = try source.read(offset: index * UInt64(Self.blockSize), length: Self.blockSize)
        if order.count < Self.blockCount {
            order.append(index)
        } else {
            blocks[order[next]] = nil
            order[next] = index
            next = (next + 1) % Self.blockCount
        }
        blocks[index] = block
        return block
    }
}
