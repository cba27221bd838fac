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

extension BenchCommand {
    /// `termflash bench verify-package`.
    struct VerifyPackage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-package",
            abstract: "Build a signed package of one large image in a temporary folder and time its streaming verification.")

        @Option(help: "Size of the image in MiB.")
        var mebibytes = 256

        @Option(help: "Repetitions; the median is reported.")
        var runs = 5

        func run() throws {
            let folder = (ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory()) + "/termflash-bench-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let result = try PackageBenchmark.run(mebibytes: mebibytes, runs: runs, folder: folder)
            print(String(format: "verify a signed package with a %d MiB image: median %.3f s = %.2f GiB/s (%d runs), peak resident %.1f MiB",
                         mebibytes, result.medianSeconds, Double(mebibytes) / 1024 / result.medianSeconds, runs, result.peakResidentMiB))
        }
    }
}
