/// The termflash delta format, version 3 (all integers little-endian):
///
/// ```
/// header   "TFDELTA1" version:u16 flags:u16 blockSize:u32
///          sourceSize:u64 sourceSHA256:[32] sourceCRC32:u32
///          targetSize:u64 targetSHA256:[32] targetCRC32:u32
///          window:u32 chunkCount:u32                                  (112 bytes)
/// chunk    sourceCursor:u64 targetLength:u32
///          controlRaw:u32 controlPacked:u32 diffRaw:u32 diffPacked:u32
///          extraRaw:u32 extraPacked:u32                               (36 bytes)
///          control, diff, extra streams (LZMA2 in xz, each `…Packed` bytes)
/// trailer  "TFDEND01" SHA-256 of every byte before the trailer          (40 bytes)
/// ```
///
/// A chunk rebuilds `targetLength` (≤ window) bytes of the target. Its control stream holds
/// a list of (add, insert, seek) operations as LEB128 integers (seek zigzag-signed): add
/// `add` bytes of the source at the cursor to the next `add` diff bytes (mod 256), copy
/// `insert` bytes of the extra stream, then move the cursor by `seek`. Version 2 stores the
/// operation count and then each field as a column (all adds, all inserts, all seeks),
/// which compresses better than version 1's interleaved triples. Version 3 starts the diff
/// stream with a layout byte (`DiffLayout`: plain, or runs of zeros and literal bytes), so
/// `diffRaw` is the stream's length, not the number of diff bytes (which is
/// `targetLength - extraRaw`). Versions 1 to 3 are read.
public enum DeltaFormat {
    static let magic: [UInt8] = Array("TFDELTA1".utf8)
    static let trailerMagic: [UInt8] = Array("TFDEND01".utf8)
    static let version: UInt16 = 3
    /// Versions the decoder reads (1: control triples interleaved, 2: control in columns,
    /// 3: and a diff layout byte).
    static let readableVersions: ClosedRange<UInt16> = 1...3
    static let headerSize = 112
    static let chunkHeaderSize = 36
    static let trailerSize = 40
    /// Default bytes of target per chunk: the decoder's memory is a few windows.
    public static let defaultWindow = 1 << 20
    /// The largest window a patch may declare (so a hostile header cannot ask for gigabytes).
    public static let maximumWindow = 16 << 20
    /// Default block size for differential flashing.
    public static let defaultBlockSize = 4096
}

/// What a patch's header says.
public struct DeltaHeader: Equatable, Sendable, Codable {
    public var blockSize: UInt32
    public var sourceSize: UInt64
    public var sourceSHA256: [UInt8]
    public var sourceCRC32: UInt32
    public var targetSize: UInt64
    public var targetSHA256: [UInt8]
    public var targetCRC32: UInt32
    public var window: UInt32
    public var chunkCount: UInt32
    /// The format version the patch was written in.
    public var version: UInt16 = DeltaFormat.version

    /// The header's 112 bytes.
    func encoded() -> [UInt8] {
        var out = DeltaFormat.magic
        out.appendLittleEndian(version)
        out.appendLittleEndian(UInt16(0))
        out.appendLittleEndian(blockSize)
        out.appendLittleEndian(sourceSize)
        out += sourceSHA256
        out.appendLittleEndian(sourceCRC32)
        out.appendLittleEndian(targetSize)
        out += targetSHA256
        out.appendLittleEndian(targetCRC32)
        out.appendLittleEndian(window)
        out.appendLittleEndian(chunkCount)
        return out
    }

    /// Parses and checks a header; `bytes` holds at least its 112 bytes.
    static func parse(_ bytes: [UInt8], patch: String) throws -> DeltaHeader {
        guard bytes.count >= DeltaFormat.headerSize else {
            throw DeltaError.truncated(patch: patch, offset: UInt64(bytes.count), needed: "the 112-byte header")
        }
        guard Array(bytes[0..<8]) == DeltaFormat.magic else { throw DeltaError.notADelta(patch: patch) }
        var reader = LittleEndianReader(bytes)
        reader.skip(8)
        let version: UInt16 = reader.read()
        guard DeltaFormat.readableVersions.contains(version) else { throw DeltaError.unsupportedVersion(patch: patch, version: Int(version)) }
        let flags: UInt16 = reader.read()
        guard flags == 0 else { throw DeltaError.invalidField(patch: patch, offset: 10, field: "flags", reason: "unknown flags \(flags)") }
        let header = DeltaHeader(
            blockSize: reader.read(), sourceSize: reader.read(), sourceSHA256: reader.bytes(32), sourceCRC32: reader.read(),
            targetSize: reader.read(), targetSHA256: reader.bytes(32), targetCRC32: reader.read(),
            window: reader.read(), chunkCount: reader.read(), version: version)
        try header.check(patch: patch)
        return header
    }

    private func check(patch: String) throws {
        guard blockSize >= 512, blockSize <= 1 << 24, blockSize.nonzeroBitCount == 1 else {
            throw DeltaError.invalidField(patch: patch, offset: 12, field: "block size", reason: "\(blockSize) is not a power of two from 512 to 16 MiB")
        }
        guard window > 0, window <= DeltaFormat.maximumWindow else {
            throw DeltaError.invalidField(patch: patch, offset: 104, field: "window", reason: "\(window) is not 1 to \(DeltaFormat.maximumWindow) bytes")
        }
        guard sourceSize < 1 << 40, targetSize < 1 << 40 else {
            throw DeltaError.invalidField(patch: patch, offset: 16, field: "size", reason: "source or target larger than 1 TiB")
        }
        let (needed, overflow) = UInt64(chunkCount).multipliedReportingOverflow(by: UInt64(window))
        guard !overflow, needed >= targetSize, chunkCount == 0 || needed - UInt64(window) < targetSize else {
            throw DeltaError.invalidField(patch: patch, offset: 108, field: "chunk count",
                                          reason: "\(chunkCount) chunks of \(window) bytes cannot make a \(targetSize)-byte target")
        }
    }
}

/// One chunk's header.
struct DeltaChunkHeader: Equatable {
    var sourceCursor: UInt64
    var targetLength: UInt32
    var controlRaw: UInt32
    var controlPacked: UInt32
    var diffRaw: UInt32
    var diffPacked: UInt32
    var extraRaw: UInt32
    var extraPacked: UInt32

    var packedTotal: UInt64 { UInt64(controlPacked) + UInt64(diffPacked) + UInt64(extraPacked) }

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(sourceCursor)
        for value in [targetLength, controlRaw, controlPacked, diffRaw, diffPacked, extraRaw, extraPacked] {
            out.appendLittleEndian(value)
        }
        return out
    }

    /// Parses a chunk header at `offset` of the patch and checks it against the header.
    static func parse(_ bytes: [UInt8], offset: UInt64, expectedLength: UInt32, header: DeltaHeader, patch: String) throws -> DeltaChunkHeader {
        var reader = LittleEndianReader(bytes)
        let chunk = DeltaChunkHeader(sourceCursor: reader.read(), targetLength: reader.read(), controlRaw: reader.read(),
                                     controlPacked: reader.read(), diffRaw: reader.read(), diffPacked: reader.read(),
                                     extraRaw: reader.read(), extraPacked: reader.read())
        func invalid(_ field: String, _ at: UInt64, _ reason: String) -> DeltaError {
            .invalidField(patch: patch, offset: offset + at, field: field, reason: reason)
        }
        guard chunk.sourceCursor <= header.sourceSize else {
            throw DeltaError.outsideSource(patch: patch, offset: offset, position: chunk.sourceCursor, length: 0, sourceSize: header.sourceSize)
        }
        guard chunk.targetLength == expectedLength else {
            throw invalid("target length", 8, "\(chunk.targetLength) bytes where the header implies \(expectedLength)")
        }
        if header.version >= 3 {
            guard chunk.extraRaw <= chunk.targetLength, UInt64(chunk.diffRaw) <= UInt64(chunk.targetLength) * 2 + 16 else {
                throw invalid("stream lengths", 20, "diff stream \(chunk.diffRaw) / extra \(chunk.extraRaw) bytes cannot make \(chunk.targetLength)")
            }
        } else {
            guard chunk.diffRaw <= chunk.targetLength, chunk.extraRaw <= chunk.targetLength,
                  UInt64(chunk.diffRaw) + UInt64(chunk.extraRaw) == UInt64(chunk.targetLength) else {
                throw invalid("stream lengths", 20, "diff \(chunk.diffRaw) + extra \(chunk.extraRaw) bytes do not make \(chunk.targetLength)")
            }
        }
        let controlLimit = UInt64(chunk.targetLength) * 3 + 64
        guard UInt64(chunk.controlRaw) <= min(controlLimit, UInt64(DeltaFormat.maximumWindow) * 2) else {
            throw invalid("control length", 12, "\(chunk.controlRaw) bytes of control for \(chunk.targetLength) target bytes")
        }
        let packedLimit = UInt64(DeltaFormat.maximumWindow) * 2
        guard UInt64(chunk.controlPacked) <= packedLimit, UInt64(chunk.diffPacked) <= packedLimit, UInt64(chunk.extraPacked) <= packedLimit else {
            throw invalid("packed length", 16, "a stream claims more than \(packedLimit) packed bytes")
        }
        return chunk
    }
}

/// The trailer: magic and the SHA-256 of everything before it.
struct DeltaTrailer {
    var patchSHA256: [UInt8]

    func encoded() -> [UInt8] { DeltaFormat.trailerMagic + patchSHA256 }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// Reads fixed-size little-endian fields from a buffer the caller checked is long enough.
struct LittleEndianReader {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skip(_ count: Int) { position += count }

    mutating func read<T: FixedWidthInteger>() -> T {
        var value: T = 0
        for index in 0..<MemoryLayout<T>.size {
            value |= T(bytes[position + index]) << (8 * index)
        }
        position += MemoryLayout<T>.size
        return value
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        defer { position += count }
        return Array(bytes[position..<position + count])
    }
}
