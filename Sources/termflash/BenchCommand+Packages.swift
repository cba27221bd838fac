import ArgumentParser
import Foundation
import TermflashPackages

extension BenchCommand {
    /// `termflash bench fuzz-packages`.
    struct FuzzPackages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fuzz-packages",
            abstract: "Feed mutated packages, OpenWrt images, zips and U-Boot environments to every package reader.")

        @Option(help: "Number of mutated inputs.")
        var count = 1_000_000

        @Option(help: "Generator seed (runs are reproducible).")
        var seed: UInt64 = 0x5EED

        func run() throws {
            var fuzzer = try PackageFuzzer(seed: seed)
            let start = Date()
            let report = fuzzer.run(count: count)
            print("\(report) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s; no crash, no hang")
        }
    }
}
