import Foundation
import TermflashCore
import ZIPFoundation

/// Measures the streaming readers on files of a chosen size: expanding an Android sparse
/// image (RAW, FILL and DONT_CARE runs) and reading a zip member, deflated and stored, all
/// in `readSize` pieces as a flasher does. Fixtures are written with bounded memory too, so
/// the process's peak resident size bounds what the readers need.
public enum ImagesBenchmark {
    /// One measured pass.
    public struct Measurement: Sendable {
        public let name: String
        /// Bytes produced by the reader.
        public let bytes: UInt64
        /// Bytes of the file read.
        public let fileBytes: UInt64
        public let seconds: Double

        /// Throughput in MB/s (10^6 bytes) of produced bytes.
        public var megabytesPerSecond: Double { Double(bytes) / seconds / 1e6 }
    }

    /// All measurements plus the process's peak resident size.
    public struct Result: Sendable {
        public let measurements: [Measurement]
        /// Peak resident set size of the process (VmHWM), in bytes.
        public let peakResidentBytes: UInt64
    }

    /// Writes the fixtures (`mebibytes` MiB expanded) into `folder`, then times each reader `runs` times (median kept).
    public static func run(mebibytes: Int, folder: URL, runs: Int = 3, readSize: Int = 1 << 20) throws -> Result {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sparse = folder.appendingPathComponent("bench-sparse.img")
        let checked = folder.appendingPathComponent("bench-sparse-crc.img")
        let raw = folder.appendingPathComponent("bench-raw.img")
        try writeSparse(to: sparse, mebibytes: mebibytes, checksums: false)
        try writeSparse(to: checked, mebibytes: mebibytes, checksums: true)
        try writeRaw(to: raw, mebibytes: mebibytes)
        let deflated = folder.appendingPathComponent("bench-deflated.zip"), stored = folder.appendingPathComponent("bench-stored.zip")
        for (url, method) in [(deflated, CompressionMethod.deflate), (stored, .none)] {
            try? FileManager.default.removeItem(at: url)
            try Archive(url: url, accessMode: .create).addEntry(with: raw.lastPathComponent, relativeTo: folder, compressionMethod: method)
        }
        defer { for url in [sparse, checked, raw, deflated, stored] { try? FileManager.default.removeItem(at: url) } }

        let cases: [(String, URL, () throws -> ByteSource)] = [
            ("sparse expansion", sparse, { try SparseImage.open(FileByteSource(path: sparse.path), name: "bench").expanded }),
            ("sparse + CRC32 chunks", checked, { try SparseImage.open(FileByteSource(path: checked.path), name: "bench").expanded }),
            ("zip member, deflated", deflated, { try ZipContainer(url: deflated).source(of: raw.lastPathComponent) }),
            ("zip member, stored", stored, { try ZipContainer(url: stored).source(of: raw.lastPathComponent) }),
            ("plain file (reference)", raw, { try FileByteSource(path: raw.path) }),
        ]
        var measurements: [Measurement] = []
        for (name, file, open) in cases {
            var timings: [Measurement] = []
            for _ in 0..<max(1, runs) { timings.append(try measure(name: name, file: file, readSize: readSize, open: open)) }
            measurements.append(timings.sorted { $0.seconds < $1.seconds }[timings.count / 2])
        }
        return Result(measurements: measurements, peakResidentBytes: peakResidentBytes())
    }

    private static func measure(name: String, file: URL, readSize: Int, open: () throws -> ByteSource) throws -> Measurement {
        let start = Deadline.now
        let source = try open()
        var offset: UInt64 = 0
        while offset < source.count {
            let piece = try source.read(offset: offset, length: readSize)
            guard !piece.isEmpty else { break }
            offset += UInt64(piece.count)
        }
        let seconds = Double((Deadline.now.uptimeNanoseconds - start.uptimeNanoseconds)) / 1e9
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.uint64Value ?? 0
        return Measurement(name: name, bytes: offset, fileBytes: fileBytes, seconds: seconds)
    }

    /// Repeats 8 MiB groups: 4 MiB RAW, 2 MiB FILL, 2 MiB DONT_CARE (a typical system image mix),
    /// with a CRC32 chunk after each group when `checksums` is set.
    private static func writeSparse(to url: URL, mebibytes: Int, checksums: Bool) throws {
        let rawPiece = MemoryByteSource(pseudoRandom(4 << 20, seed: 1))
        var chunks: [SparseChunk] = []
        for group in 0..<max(1, mebibytes / 8) {
            chunks += [.raw(rawPiece), .fill(UInt32(truncatingIfNeeded: group &* 0x0101_0101), blocks: 512), .dontCare(blocks: 512)]
            if checksums { chunks.append(.crc32) }
        }
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try SparseImageWriter(blockSize: 4096).write(chunks) { try handle.write(contentsOf: Data($0)) }
    }

    /// Half random, half text-like bytes, so deflate has work of both kinds.
    private static func writeRaw(to url: URL, mebibytes: Int) throws {
        let random = Data(pseudoRandom(1 << 20, seed: 2))
        let text = Data(String(repeating: "termflash writes this line into a zip member. ", count: 23_000).utf8.prefix(1 << 20))
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        for index in 0..<mebibytes { try handle.write(contentsOf: index % 2 == 0 ? random : text) }
    }

    private static func pseudoRandom(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            for index in stride(from: 0, to: count - 7, by: 8) { buffer.storeBytes(of: generator.next(), toByteOffset: index, as: UInt64.self) }
        }
        return bytes
    }

    /// VmHWM from /proc/self/status (Linux), in bytes; 0 where unavailable.
    static func peakResidentBytes() -> UInt64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = UInt64(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
