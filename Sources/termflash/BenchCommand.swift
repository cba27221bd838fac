import ArgumentParser
import Foundation
import TermflashCapture

/// `termflash bench …`: speed and robustness measurements, run on demand (never in tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run a benchmark (build with 'make release' first for real figures).",
        subcommands: [Replay.self, FuzzCaptures.self, FuzzDelta.self, Images.self, FuzzPackages.self, VerifyPackage.self, EDL.self, HDLC.self, YModem.self])

    /// `termflash bench replay`.
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay an in-memory USB capture of a firmware download through the replaying transport.")

        @Option(help: "Size of the download in MiB.")
        var mebibytes = 256

        @Option(help: "Repetitions; the median is reported.")
        var runs = 5

        func run() throws {
            var results: [ReplayBenchmark.Result] = []
            for _ in 0..<runs { results.append(try ReplayBenchmark.run(mebibytes: mebibytes)) }
            let median = results.sorted { $0.replaySeconds < $1.replaySeconds }[results.count / 2]
            print(String(format: "replay %d MiB (capture %.1f MiB): index %.3f s, replay %.3f s = %.2f GiB/s (%.2f GiB/s with indexing), median of %d",
                         mebibytes, Double(median.captureBytes) / 1_048_576, median.loadSeconds, median.replaySeconds,
                         median.replayGiBPerSecond, median.totalGiBPerSecond, runs))
        }
    }

    /// `termflash bench fuzz-captures`.
    struct FuzzCaptures: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fuzz-captures", abstract: "Feed mutated captures and scripts to every capture reader and decoder.")

        @Option(help: "Number of mutated inputs.")
        var count = 1_000_000

        @Option(help: "Generator seed (runs are reproducible).")
        var seed: UInt64 = 0x5EED

        @Argument(help: "Valid captures or scripts to mutate (default: the ones under Captures/).")
        var files: [String] = []

        func run() throws {
            let seeds = try (files.isEmpty ? defaultSeeds() : files).map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) }
            var fuzzer = CaptureFuzzer(seeds: seeds, seed: seed)
            let start = Date()
            let report = fuzzer.run(count: count)
            print("\(report) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; no crash, no hang")
        }

        private func defaultSeeds() throws -> [String] {
            let root = FileManager.default.currentDirectoryPath + "/Captures"
            let found = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
                .filter { $0.hasSuffix(".pcapng") || $0.hasSuffix(".script") }.sorted().map { "\(root)/\($0)" }
            guard !found.isEmpty else { throw ValidationError("no captures under \(root); name seed files") }
            return found
        }
    }
}
