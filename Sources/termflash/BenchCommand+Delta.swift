import ArgumentParser
import Foundation
import TermflashDelta

extension BenchCommand {
    /// `termflash bench fuzz-delta`.
    struct FuzzDelta: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fuzz-delta", abstract: "Feed mutated patches to the delta decoder (no crash, no hang, only named errors).")

        @Option(help: "Number of mutated patches.")
        var count = 1_000_000

        @Option(help: "Generator seed (runs are reproducible).")
        var seed: UInt64 = 0xDE17A

        func run() throws {
            var fuzzer = DeltaFuzzer(seeds: try DeltaFuzzer.generatedSeeds(), seed: seed)
            let start = Date()
            let report = fuzzer.run(count: count)
            print("\(report) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; no crash, no hang")
            if !report.unexpected.isEmpty { throw ExitCode.failure }
        }
    }
}
