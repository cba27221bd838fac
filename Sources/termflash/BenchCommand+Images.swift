import ArgumentParser
import Foundation
import TermflashImages

extension BenchCommand {
    /// `termflash bench images`.
    struct Images: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure sparse-image expansion and zip-member streaming throughput, and the peak memory they need.")

        @Option(help: "Expanded size of the sparse image and size of the zipped image, in MiB.")
        var mebibytes = 256

        @Option(help: "Repetitions of each reader; the median is reported.")
        var runs = 3

        @Option(help: "Bytes per read, as a flasher reads (default 1 MiB).")
        var readSize = 1 << 20

        @Option(help: "Folder for the temporary fixtures (default: $TMPDIR).")
        var folder: String?

        func run() throws {
            let base = folder ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory()
            let url = URL(fileURLWithPath: base).appendingPathComponent("termflash-bench-images-\(getpid())")
            defer { try? FileManager.default.removeItem(at: url) }
            let result = try ImagesBenchmark.run(mebibytes: mebibytes, folder: url, runs: runs, readSize: readSize)
            for measurement in result.measurements {
                let name = measurement.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                print(name + String(format: " %7.1f MiB out of a %7.1f MiB file in %.3f s = %8.1f MB/s",
                             Double(measurement.bytes) / 1_048_576,
                             Double(measurement.fileBytes) / 1_048_576, measurement.seconds, measurement.megabytesPerSecond))
            }
            print(String(format: "peak resident memory of the whole run (fixture writing included): %.1f MiB; median of %d, %d-byte reads",
                         Double(result.peakResidentBytes) / 1_048_576, runs, readSize))
        }
    }
}
