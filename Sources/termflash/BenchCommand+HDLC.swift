import ArgumentParser
import Foundation
import TermflashSimulator

extension BenchCommand {
    /// `termflash bench hdlc`.
    struct HDLC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hdlc",
            abstract: "HDLC framing throughput, and a Streaming DLOAD write into the in-process simulated NAND modem.")

        @Option(help: "Megabytes (10^6) per run.")
        var megabytes = 256

        @Option(help: "Payload bytes per frame for the framing run.")
        var frameSize = 4096

        @Option(help: "Stream-write block sizes for the write runs (repeatable).")
        var blockSize: [UInt32] = [1024, 65_536]

        @Option(help: "Repetitions; the median is reported.")
        var runs = 3

        func run() throws {
            let framing = try (0..<runs).map { _ in try HDLCBenchmark.framing(megabytes: megabytes, frameSize: frameSize) }
                .sorted { $0.megabytesPerSecond < $1.megabytesPerSecond }[runs / 2]
            print(String(format: "hdlc framing: %d MB in %d-byte frames: encode %.0f MB/s, decode %.0f MB/s, encode+decode %.0f MB/s (median of %d)",
                         framing.payloadBytes / 1_000_000, frameSize, Double(framing.payloadBytes) / framing.encodeSeconds / 1e6,
                         Double(framing.payloadBytes) / framing.decodeSeconds / 1e6, framing.megabytesPerSecond, runs))
            let folder = ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory()
            for block in blockSize {
                let results = try (0..<runs).map { _ in
                    try HDLCBenchmark.streamingWrite(megabytes: megabytes, blockSize: block, window: 8, folder: folder)
                }
                let wall = results.map(\.megabytesPerSecond).sorted()
                let hostCPU = results.map(\.hostCPUMegabytesPerSecond).sorted()
                print(String(format: "streaming-dload write into the in-process simulator: %d MB in %d-byte writes, window 8: "
                             + "%.0f MB/s host-side (%.0f–%.0f), %.0f MB per CPU-second of the host thread (median of %d)",
                             megabytes, block, wall[runs / 2], wall[0], wall[runs - 1], hostCPU[runs / 2], runs))
            }
        }

        func validate() throws {
            if megabytes < 1 || frameSize < 1 || runs < 1 { throw ValidationError("--megabytes, --frame-size and --runs must be positive") }
        }
    }
}
