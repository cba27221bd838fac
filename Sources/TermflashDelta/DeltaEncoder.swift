import Dispatch
import Foundation
import TermflashCore
import TermflashCrypto

/// Makes a delta from a source and a target image held in memory. The suffix array is
/// built once; the target is matched in parallel segments and its chunks are compressed
/// in parallel. Memory: source + 4 × source (suffix array) + target + a few windows per thread.
public struct DeltaEncoder {
    /// How the patch is laid out.
    public struct Options: Sendable {
        public var blockSize: Int
        public var window: Int
        public var threads: Int

        public init(blockSize: Int = DeltaFormat.defaultBlockSize, window: Int = DeltaFormat.defaultWindow,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.blockSize = blockSize
            self.window = window
            self.threads = max(1, threads)
        }
    }

    /// What the encoder produced.
    public struct Summary: Sendable {
        public var header: DeltaHeader
        public var patchBytes: Int
        public var operations: Int
        public var addBytes: Int
        public var insertBytes: Int
    }

    /// The largest source or target the encoder takes (suffix positions are 32-bit).
    public static let maximumInput = Int(Int32.max) - 1

    public let options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Encodes and hands the patch to `write` piece by piece (header, chunks, trailer).
    public func encode(old: [UInt8], new: [UInt8], write: ([UInt8]) throws -> Void) throws -> Summary {
        let operations = old.withUnsafeBufferPointer { oldBuffer in
            new.withUnsafeBufferPointer { newBuffer in match(old: oldBuffer, new: newBuffer) }
        }
        let chunks = ChunkPlanner.split(operations, targetCount: new.count, window: options.window)
        let header = makeHeader(old: old, new: new, chunkCount: chunks.count)
        let digest = SHA256()
        func emit(_ bytes: [UInt8]) throws {
            digest.update(bytes)
            try write(bytes)
        }
        var patchBytes = DeltaFormat.headerSize + DeltaFormat.trailerSize
        try emit(header.encoded())
        for batch in stride(from: 0, to: chunks.count, by: options.threads * 2) {
            let range = batch..<min(chunks.count, batch + options.threads * 2)
            for blob in compress(chunks[range], old: old, new: new) {
                patchBytes += blob.count
                try emit(blob)
            }
        }
        try write(DeltaTrailer(patchSHA256: digest.finish()).encoded())
        return Summary(header: header, patchBytes: patchBytes, operations: operations.count,
                       addBytes: operations.reduce(0) { $0 + $1.addLength }, insertBytes: operations.reduce(0) { $0 + $1.insertLength })
    }

    /// Encodes into memory.
    public func encode(old: [UInt8], new: [UInt8]) throws -> [UInt8] {
        var patch: [UInt8] = []
        _ = try encode(old: old, new: new) { patch += $0 }
        return patch
    }

    private func match(old: UnsafeBufferPointer<UInt8>, new: UnsafeBufferPointer<UInt8>) -> [DeltaOperation] {
        let matcher = SuffixMatcher(old: old, new: new)
        let segmentCount = new.count < 1 << 20 ? 1 : options.threads
        let segments = (0..<segmentCount).map { index in
            (new.count * index / segmentCount)..<(new.count * (index + 1) / segmentCount)
        }
        let results = ParallelResults<[DeltaOperation]>(count: segmentCount)
        DispatchQueue.concurrentPerform(iterations: segmentCount) { index in
            results.set(index, matcher.operations(for: segments[index]))
        }
        return results.values.flatMap { $0 }
    }

    private func compress(_ chunks: ArraySlice<[DeltaOperation]>, old: [UInt8], new: [UInt8]) -> [[UInt8]] {
        let results = ParallelResults<[UInt8]>(count: chunks.count)
        let first = chunks.startIndex
        DispatchQueue.concurrentPerform(iterations: chunks.count) { index in
            results.set(index, ChunkWriter.encode(chunks[first + index], old: old, new: new))
        }
        return results.values
    }

    private func makeHeader(old: [UInt8], new: [UInt8], chunkCount: Int) -> DeltaHeader {
        DeltaHeader(blockSize: UInt32(options.blockSize), sourceSize: UInt64(old.count), sourceSHA256: SHA256.hash(old),
                    sourceCRC32: CRC32.checksum(old), targetSize: UInt64(new.count), targetSHA256: SHA256.hash(new),
                    targetCRC32: CRC32.checksum(new), window: UInt32(options.window), chunkCount: UInt32(chunkCount))
    }
}

/// Results of parallel work, one slot per index.
final class ParallelResults<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [Value] { slots.map { $0! } }
}

/// Cuts the operation list at window boundaries of the target, so each chunk decodes alone.
enum ChunkPlanner {
    static func split(_ operations: [DeltaOperation], targetCount: Int, window: Int) -> [[DeltaOperation]] {
        var chunks: [[DeltaOperation]] = []
        var current: [DeltaOperation] = []
        var boundary = window
        for operation in operations {
            var rest = operation
            while rest.targetEnd > boundary {
                let (head, tail) = cut(rest, at: boundary)
                if head.addLength + head.insertLength > 0 { current.append(head) }
                chunks.append(current)
                current = []
                boundary += window
                rest = tail
            }
            if rest.addLength + rest.insertLength > 0 { current.append(rest) }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    private static func cut(_ operation: DeltaOperation, at boundary: Int) -> (DeltaOperation, DeltaOperation) {
        let keep = boundary - operation.targetStart
        if keep <= operation.addLength {
            let head = DeltaOperation(sourceStart: operation.sourceStart, targetStart: operation.targetStart, addLength: keep, insertLength: 0)
            let tail = DeltaOperation(sourceStart: operation.sourceStart + keep, targetStart: boundary,
                                      addLength: operation.addLength - keep, insertLength: operation.insertLength)
            return (head, tail)
        }
        let inserted = keep - operation.addLength
        let head = DeltaOperation(sourceStart: operation.sourceStart, targetStart: operation.targetStart,
                                  addLength: operation.addLength, insertLength: inserted)
        let tail = DeltaOperation(sourceStart: operation.sourceStart + operation.addLength, targetStart: boundary,
                                  addLength: 0, insertLength: operation.insertLength - inserted)
        return (head, tail)
    }
}

/// Serializes one chunk: its header and its three compressed streams.
enum ChunkWriter {
    static func encode(_ operations: [DeltaOperation], old: [UInt8], new: [UInt8]) -> [UInt8] {
        var diff: [UInt8] = []
        var extra: [UInt8] = []
        for operation in operations {
            for offset in 0..<operation.addLength {
                diff.append(new[operation.targetStart + offset] &- old[operation.sourceStart + offset])
            }
            extra += new[(operation.targetStart + operation.addLength)..<operation.targetEnd]
        }
        let control = controlColumns(operations)
        let (diffStream, packedDiff) = smallestDiffLayout(diff)
        let packed = [LZMACodec.compress(control, for: .control), packedDiff, LZMACodec.compress(extra, for: .extra)]
        let header = DeltaChunkHeader(
            sourceCursor: UInt64(operations.first?.sourceStart ?? 0), targetLength: UInt32(diff.count + extra.count),
            controlRaw: UInt32(control.count), controlPacked: UInt32(packed[0].count),
            diffRaw: UInt32(diffStream.count), diffPacked: UInt32(packed[1].count),
            extraRaw: UInt32(extra.count), extraPacked: UInt32(packed[2].count))
        return header.encoded() + packed[0] + packed[1] + packed[2]
    }
}

extension ChunkWriter {
    /// The diff stream in each layout, packed; the smaller pair (raw, packed) wins.
    static func smallestDiffLayout(_ diff: [UInt8]) -> ([UInt8], [UInt8]) {
        guard !diff.isEmpty else { return ([], []) }
        let candidates = [DiffLayout.zeroRuns, .plain].map { layout in
            let stream = layout.encode(diff)
            return (stream, LZMACodec.compress(stream, for: .diff))
        }
        return candidates.min { $0.1.count < $1.1.count }!
    }

    /// The control stream (version 2): the operation count, then every add length, every
    /// insert length and every seek, each column of LEB128 integers on its own so that
    /// LZMA sees like next to like.
    static func controlColumns(_ operations: [DeltaOperation]) -> [UInt8] {
        var adds: [UInt8] = []
        var inserts: [UInt8] = []
        var seeks: [UInt8] = []
        for (index, operation) in operations.enumerated() {
            let next = index + 1 < operations.count ? operations[index + 1].sourceStart : operation.sourceStart + operation.addLength
            Varint.append(UInt64(operation.addLength), to: &adds)
            Varint.append(UInt64(operation.insertLength), to: &inserts)
            Varint.appendSigned(Int64(next - operation.sourceStart - operation.addLength), to: &seeks)
        }
        var control: [UInt8] = []
        Varint.append(UInt64(operations.count), to: &control)
        return control + adds + inserts + seeks
    }
}

/// LEB128 integers, zigzag for signed ones.
enum Varint {
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    static func appendSigned(_ value: Int64, to out: inout [UInt8]) {
        append(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &out)
    }

    /// Reads one from `bytes` at `position`; nil when it runs off the end or passes 64 bits.
    static func read(_ bytes: [UInt8], _ position: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if shift == 63, byte > 1 { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }

    static func readSigned(_ bytes: [UInt8], _ position: inout Int) -> Int64? {
        guard let raw = read(bytes, &position) else { return nil }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }
}
