import Foundation
import TermflashCore
import TermflashProtocols

/// Measurements behind `termflash bench hdlc`: framing throughput, and a Streaming DLOAD
/// write into the in-process simulated NAND modem as the host sees it.
public enum HDLCBenchmark {
    /// Framing: payload bytes, and the seconds encoding and decoding them took.
    public struct Framing: Sendable {
        public var payloadBytes: Int
        public var encodeSeconds: Double
        public var decodeSeconds: Double
        /// Payload MB/s (10^6) through encode then decode.
        public var megabytesPerSecond: Double { Double(payloadBytes) / (encodeSeconds + decodeSeconds) / 1e6 }
    }

    /// Frames `megabytes` of random payload in `frameSize`-byte frames, then decodes the
    /// stream in 64 KiB reads, checking every frame came back.
    public static func framing(megabytes: Int, frameSize: Int) throws -> Framing {
        var generator = SplitMix64(seed: 0x4844_4C43)
        let frame = (0..<frameSize).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let frames = max(1, megabytes * 1_000_000 / frameSize)
        var stream: [UInt8] = []
        stream.reserveCapacity(frames * (frameSize + frameSize / 64 + 8))
        let encodeStart = DispatchTime.now()
        for _ in 0..<frames { stream += HDLCEncoder.frame(frame) }
        let encodeEnd = DispatchTime.now()
        var decoder = HDLCDecoder()
        var decoded = 0
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 65_536)
            decoder.feed(stream[offset..<end])
            offset = end
            while let payload = try decoder.next() { decoded += payload.count }
        }
        let decodeEnd = DispatchTime.now()
        guard decoded == frames * frameSize else { throw HDLCError.tooShort(length: decoded) }
        return Framing(payloadBytes: decoded, encodeSeconds: seconds(encodeStart, encodeEnd), decodeSeconds: seconds(encodeEnd, decodeEnd))
    }

    /// Streams `megabytes` into a partition of an in-process simulated unit whose programmer
    /// prefers `blockSize`-byte writes; returns host-side MB/s and checks the NAND holds it.
    public static func streamingWrite(megabytes: Int, blockSize: UInt32, window: UInt16, folder: String) throws -> Double {
        let bytes = megabytes * 1_000_000
        let path = folder + "/termflash-bench-nand-\(getpid()).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let chip = UInt64(max(64, (bytes >> 20) + 64)) << 20
        let device = try QualcommHDLCDevice.withDefaultLayout(path: path, chipBytes: chip, mode: .streaming)
        device.maxBlockSize = blockSize
        device.windowSize = window
        let simulator = InProcessHDLCDevice(device: device, bufferBytes: 8 << 20)
        defer { simulator.shutdown() }
        let session = StreamingDLoadSession(transport: simulator.host)
        try session.hello()
        try session.setSecurityMode()
        var generator = SplitMix64(seed: 7)
        let image = (0..<bytes).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let start = DispatchTime.now()
        try session.openPartition("USERDATA")
        try session.streamWrite(from: MemoryByteSource(image), length: UInt64(bytes))
        try session.close()
        let elapsed = seconds(start, DispatchTime.now())
        let base = UInt64(216 * 128 * 1024)
        guard try device.store.read(lun: 0, offset: base + UInt64(bytes) - 4096, length: 4096) == Array(image[(bytes - 4096)...]) else {
            throw StreamingDLoadError.partitionTable("the simulated NAND does not hold what was streamed")
        }
        return Double(bytes) / elapsed / 1e6
    }

    private static func seconds(_ start: DispatchTime, _ end: DispatchTime) -> Double {
        Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
