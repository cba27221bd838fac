import TermflashCrypto
@testable import TermflashDelta

/// One-chunk patches assembled field by field, for decoder tests that need exact bytes.
/// From version 3 the diff bytes go in `layout` (or `diffStream` is used as it is).
enum HandMadePatch {
    static func build(source: [UInt8], target: [UInt8], control: [UInt8], diff: [UInt8], extra: [UInt8],
                      sourceCursor: UInt64 = 0, version: UInt16 = DeltaFormat.version,
                      layout: DiffLayout = .plain, diffStream: [UInt8]? = nil) -> [UInt8] {
        let diff = diffStream ?? (version >= 3 && !diff.isEmpty ? layout.encode(diff) : diff)
        let packed = [LZMACodec.compress(control, for: .control), LZMACodec.compress(diff, for: .diff),
                      LZMACodec.compress(extra, for: .extra)]
        let chunk = DeltaChunkHeader(sourceCursor: sourceCursor, targetLength: UInt32(target.count),
                                     controlRaw: UInt32(control.count), controlPacked: UInt32(packed[0].count),
                                     diffRaw: UInt32(diff.count), diffPacked: UInt32(packed[1].count),
                                     extraRaw: UInt32(extra.count), extraPacked: UInt32(packed[2].count))
        let header = DeltaHeader(blockSize: 4096, sourceSize: UInt64(source.count), sourceSHA256: SHA256.hash(source), sourceCRC32: 0,
                                 targetSize: UInt64(target.count), targetSHA256: SHA256.hash(target), targetCRC32: 0,
                                 window: 4096, chunkCount: 1, version: version)
        let body = header.encoded() + chunk.encoded() + packed[0] + packed[1] + packed[2]
        return DeltaFuzzer.reseal(body + [UInt8](repeating: 0, count: DeltaFormat.trailerSize))
    }
}
