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

    /// Frames `megabytes` of random payload in `frameSize`-byte frames into one output buffer,
    /// then decodes the stream in 64 KiB reads, checking every frame came back. The buffer is
    /// allocated and touched before the clock starts, as a flasher reuses its buffers: the
    /// kernel zeroing fresh pages is not part of the codec.
    public static func framing(megabytes: Int, frameSize: Int) throws -> Framing {
        var generator = SplitMix64(seed: 0x4844_4C43)
        let frame = (0..<frameSize).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let frames = max(1, megabytes * 1_000_000 / frameSize)
        let framedSize = HDLCEncoder.frame(frame).count
        let capacity = (frames - 1) * framedSize + HDLCEncoder.maximumFramedCount(payloadCount: frameSize)
        let stream = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { stream.deallocate() }
        stream.initialize(repeating: 0, count: capacity)
        let encodeStart = DispatchTime.now()
        let streamLength = frame.withUnsafeBufferPointer { payload in
            (0..<frames).reduce(0) { length, _ in length + HDLCEncoder.frame(payload, into: stream + length) }
        }
        let encodeEnd = DispatchTime.now()
        var decoder = HDLCDecoder()
        var decoded = 0
        var last: [UInt8] = []
        var offset = 0
        while offset < streamLength {
            let end = min(streamLength, offset + 65_536)
            decoder.feed(UnsafeBufferPointer(start: stream + offset, count: end - offset))
            offset = end
            while let payload = try decoder.next() {
                decoded += payload.count
                last = payload
            }
        }
        let decodeEnd = DispatchTime.now()
        guard decoded == frames * frameSize, last == frame else {
            throw HDLCBenchmarkError("decoding gave \(decoded) payload bytes, last frame \(last == frame ? "intact" : "different"); "
                + "expected \(frames * frameSize) bytes of \(frames) identical frames")
        }
        return Framing(payloadBytes: decoded, encodeSeconds: seconds(encodeStart, encodeEnd), decodeSeconds: seconds(encodeEnd, decodeEnd))
    }

    /// A stream write: MB/s (10^6) by the wall clock, and by the CPU time the host's thread
    /// spent (framing, reading replies), which the scheduler's wake-ups do not inflate.
    public struct StreamingWrite: Sendable {
        public var megabytesPerSecond: Double
        public var hostCPUMegabytesPerSecond: Double
    }

    /// Streams `megabytes` into a partition of an in-process simulated unit whose programmer
    /// prefers `blockSize`-byte writes; checks the NAND holds every byte of it afterwards.
    public static func streamingWrite(megabytes: Int, blockSize: UInt32, window: UInt16, folder: String) throws -> StreamingWrite {
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
        let startCPU = threadCPUSeconds()
        try session.openPartition("USERDATA")
        try session.streamWrite(from: MemoryByteSource(image), length: UInt64(bytes))
        try session.close()
        let hostCPU = threadCPUSeconds() - startCPU
        let elapsed = seconds(start, DispatchTime.now())
        let base = UInt64(216 * 128 * 1024)
        guard try device.store.read(lun: 0, offset: base, length: bytes) == image else {
            throw HDLCBenchmarkError("the simulated NAND does not hold what was streamed")
        }
        return StreamingWrite(megabytesPerSecond: Double(bytes) / elapsed / 1e6, hostCPUMegabytesPerSecond: Double(bytes) / hostCPU / 1e6)
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func seconds(_ start: DispatchTime, _ end: DispatchTime) -> Double {
        Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

/// A benchmark run whose result is wrong (the codec lost or changed bytes).
public struct HDLCBenchmarkError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
