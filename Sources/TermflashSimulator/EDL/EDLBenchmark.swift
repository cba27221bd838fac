#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TermflashCore
import TermflashCrypto
import TermflashProtocols

/// `termflash bench edl`: how fast the host side programs an image through Firehose, and how
/// much memory it takes, with the simulated unit in-process or behind a pseudo-terminal.
public enum EDLBenchmark {
    /// One measured flash.
    public struct Result: Sendable {
        /// Bytes programmed.
        public var bytes: UInt64
        /// Wall time of the `program` command, from the XML to the final ACK.
        public var seconds: Double
        /// Peak resident memory of the process before and after, in bytes (`getrusage`).
        public var peakBefore: UInt64, peakAfter: UInt64
        /// CPU time the host thread spent in the `program` command (the device runs on another thread).
        public var hostCPUSeconds: Double
        /// Whether the device's SHA-256 of what it stored equals the image's.
        public var verified: Bool

        /// Bytes per second of host CPU: what the host side could push if the wire were free.
        public var hostGiBPerCPUSecond: Double { Double(bytes) / hostCPUSeconds / Double(1 << 30) }

        public var gibPerSecond: Double { Double(bytes) / seconds / Double(1 << 30) }
        public var mibPerSecond: Double { Double(bytes) / seconds / Double(1 << 20) }
    }

    /// Writes an image of `mebibytes` MiB of pseudo-random bytes to `path`, 1 MiB at a time.
    public static func writeImage(path: String, mebibytes: Int, seed: UInt64 = 0xBE7C) throws -> [UInt8] {
        FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw EDLStorageError.cannotOpen(path: path, reason: "cannot create") }
        defer { try? handle.close() }
        var random = SplitMix64(seed: seed)
        let sha = SHA256()
        for _ in 0..<mebibytes {
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            chunk.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for index in words.indices { words[index] = random.next() }
            }
            sha.update(chunk)
            try handle.write(contentsOf: chunk)
        }
        return sha.finish()
    }

    /// Programs the image at `imagePath` into LUN 0 of a unit on the far end of `host`
    /// (Sahara upload and configure first) and checks the device digest afterwards.
    public static func program(imagePath: String, imageSHA256: [UInt8], host: Transport, payloadSize: Int) throws -> Result {
        _ = try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(EDLProgrammerImage.make())])
        let firehose = FirehoseHost(transport: host)
        try firehose.configure(payloadSize: payloadSize)
        let source = try FileByteSource(path: imagePath)
        let sectors = (source.count + 4095) / 4096 * 8
        let before = peakResidentBytes()
        let cpuStarted = threadCPUSeconds()
        let started = Deadline.now
        try firehose.program(lun: 0, startSector: "0", sectors: sectors, sectorSize: 512, source: source)
        let seconds = Double(Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let cpu = threadCPUSeconds() - cpuStarted
        let after = peakResidentBytes()
        let digest = try firehose.sha256Digest(lun: 0, startSector: "0", sectors: sectors, sectorSize: 512)
        try firehose.power("off")
        return Result(bytes: sectors * 512, seconds: seconds, peakBefore: before, peakAfter: after, hostCPUSeconds: cpu, verified: digest == imageSHA256)
    }

    /// Bytes of a one-LUN storage that holds an image of `imageBytes` with room to spare.
    public static func storageBytes(forImage imageBytes: UInt64) -> UInt64 {
        (imageBytes + (1 << 20)) / 4096 * 4096 + (1 << 20)
    }

    /// Writes `bytes` zero bytes to `path` so the storage exists in full before the clock
    /// starts, as a unit's flash does: the measured writes then overwrite it instead of making
    /// the file system allocate pages.
    public static func prepareStorage(path: String, bytes: UInt64) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw EDLStorageError.cannotOpen(path: path, reason: "cannot create")
        }
        defer { try? handle.close() }
        let zeros = Data(count: 1 << 20)
        var written: UInt64 = 0
        while written < bytes {
            let count = Int(min(UInt64(zeros.count), bytes - written))
            try handle.write(contentsOf: zeros.prefix(count))
            written += UInt64(count)
        }
    }

    /// The same against the in-process simulator over a storage file at `storagePath`
    /// (made, or reused when it exists).
    public static func programInProcess(imagePath: String, imageSHA256: [UInt8], storagePath: String, payloadSize: Int) throws -> Result {
        let size = try FileByteSource(path: imagePath).count
        let storage = try EDLStorage(path: storagePath, lunCount: 1, lunBytes: storageBytes(forImage: size), sectorSize: 512)
        var behaviour = EDLDeviceBehaviour()
        behaviour.maxPayloadToTarget = payloadSize
        let unit = InProcessEDL(storage: storage, behaviour: behaviour, bufferBytes: 2 * payloadSize)
        defer { unit.shutdown() }
        return try program(imagePath: imagePath, imageSHA256: imageSHA256, host: unit.host, payloadSize: payloadSize)
    }

    /// CPU time of the calling thread.
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Peak resident set size of this process so far (Linux reports KiB).
    public static func peakResidentBytes() -> UInt64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return UInt64(usage.ru_maxrss) * 1024
    }
}
