#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TermflashCore
import TermflashCrypto

/// The file-level operations behind `termflash delta create|apply|info`.
public enum DeltaFiles {
    /// Makes `patchPath` from `oldPath` → `newPath`.
    @discardableResult
    public static func create(old oldPath: String, new newPath: String, patch patchPath: String,
                              options: DeltaEncoder.Options = .init()) throws -> DeltaEncoder.Summary {
        let old = try load(oldPath)
        let new = try load(newPath)
        return try writeAtomically(patchPath) { handle in
            try DeltaEncoder(options: options).encode(old: old, new: new) { try handle.write(contentsOf: $0) }
        }
    }

    /// Rebuilds `outputPath` from `oldPath` and `patchPath`; on any error the output is not created.
    public static func apply(old oldPath: String, patch patchPath: String, output outputPath: String) throws -> DeltaHeader {
        DecoderMemory.returnFreedWindows()
        let decoder = try DeltaDecoder(patch: try open(patchPath), name: patchPath)
        let source = try open(oldPath)
        try writeAtomically(outputPath) { handle in
            try decoder.apply(source: source, sourceName: oldPath) { try handle.write(contentsOf: $0) }
        }
        return decoder.header
    }

    /// What a patch holds, after checking its trailer.
    public static func info(patch patchPath: String) throws -> DeltaInfo {
        let patch = try open(patchPath)
        let decoder = try DeltaDecoder(patch: patch, name: patchPath)
        try decoder.verifyIntegrity()
        return DeltaInfo(header: decoder.header, patchBytes: patch.count, chunks: try decoder.chunkSummaries())
    }

    /// A file as a random-access source, with an error naming it.
    public static func open(_ path: String) throws -> FileByteSource {
        do { return try FileByteSource(path: path) } catch {
            throw DeltaError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
    }

    static func load(_ path: String) throws -> [UInt8] {
        let source = try open(path)
        guard source.count <= UInt64(DeltaEncoder.maximumInput) else {
            throw DeltaError.inputTooLarge(path: path, size: source.count, limit: UInt64(DeltaEncoder.maximumInput))
        }
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)) } catch {
            throw DeltaError.unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Writes through a temporary file beside `path`, renamed over it only when `body` succeeds.
    static func writeAtomically<T>(_ path: String, _ body: (FileHandle) throws -> T) throws -> T {
        let temporary = path + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw DeltaError.unreadable(path: path, reason: "cannot create \(temporary) (is the folder writable?)")
        }
        do {
            let result = try body(handle)
            try handle.close()
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
            return result
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}

/// `delta info`: the header and per-stream totals.
public struct DeltaInfo: Sendable, Codable {
    public var header: DeltaHeader
    public var patchBytes: UInt64
    public var chunkCount: Int
    public var operations: Int
    public var addBytes: Int
    public var insertBytes: Int
    public var controlPacked: UInt64
    public var diffPacked: UInt64
    public var extraPacked: UInt64

    init(header: DeltaHeader, patchBytes: UInt64, chunks: [ChunkSummary]) {
        self.header = header
        self.patchBytes = patchBytes
        chunkCount = chunks.count
        operations = chunks.reduce(0) { $0 + $1.operations.steps.count }
        addBytes = chunks.reduce(0) { $0 + $1.operations.addBytes }
        insertBytes = chunks.reduce(0) { $0 + $1.operations.insertBytes }
        controlPacked = chunks.reduce(0) { $0 + UInt64($1.header.controlPacked) }
        diffPacked = chunks.reduce(0) { $0 + UInt64($1.header.diffPacked) }
        extraPacked = chunks.reduce(0) { $0 + UInt64($1.header.extraPacked) }
    }

    /// The lines `delta info` prints.
    public var text: String {
        """
        source   \(header.sourceSize) bytes  sha256 \(header.sourceSHA256.hexString)  crc32 \(hex(header.sourceCRC32))
        target   \(header.targetSize) bytes  sha256 \(header.targetSHA256.hexString)  crc32 \(hex(header.targetCRC32))
        patch    \(patchBytes) bytes (\(percent(patchBytes, header.targetSize)) of the target), block size \(header.blockSize), window \(header.window)
        chunks   \(chunkCount), operations \(operations): \(addBytes) bytes added to the source, \(insertBytes) inserted
        streams  control \(controlPacked), diff \(diffPacked), extra \(extraPacked) bytes (LZMA2)
        """
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    private func percent(_ part: UInt64, _ whole: UInt64) -> String {
        whole == 0 ? "-" : String(format: "%.2f %%", Double(part) * 100 / Double(whole))
    }
}

/// glibc raises its mmap threshold each time a large buffer is freed, after which the
/// decoder's per-window buffers come from the heap and stay in the process once freed
/// (measured: +1.9 MiB peak RSS rebuilding a 108 MB tar). Pinning the threshold at glibc's
/// initial 128 KiB keeps every window buffer mapped and returned on free.
/// (`mallopt` lives in <malloc.h>, which the Glibc module leaves out, so it is looked up.)
enum DecoderMemory {
    private static let mmapThreshold: Int32 = -3 // M_MMAP_THRESHOLD

    static func returnFreedWindows() {
        #if canImport(Glibc)
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "mallopt") else { return }
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: MallOpt.self)(mmapThreshold, 128 << 10)
        #endif
    }
}
