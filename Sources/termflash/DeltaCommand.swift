import ArgumentParser
import Foundation
import TermflashDelta

/// `termflash delta create|apply|info`: differential patches between two images.
struct DeltaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delta", abstract: "Make, apply and inspect differential patches between firmware images.",
        subcommands: [Create.self, Apply.self, Info.self])

    /// `termflash delta create OLD NEW -o PATCH`.
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a patch that turns OLD into NEW (suffix-array matching, LZMA2 streams).")

        @Argument(help: "The image the device holds now.") var old: String
        @Argument(help: "The image it should hold.") var new: String
        @Option(name: .shortAndLong, help: "The patch file to write.") var output: String
        @Option(help: "Block size for differential flashing (a power of two, 512 to 16 MiB).")
        var blockSize = DeltaFormat.defaultBlockSize
        @Option(help: "Target bytes per chunk; the decoder holds about four (at most 16 MiB).")
        var window = DeltaFormat.defaultWindow
        @Option(help: "Encoder threads (default: one per core).")
        var threads = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard blockSize >= 512, blockSize <= 1 << 24, blockSize.nonzeroBitCount == 1 else {
                throw ValidationError("--block-size must be a power of two from 512 to 16777216")
            }
            guard window >= 4096, window <= DeltaFormat.maximumWindow else {
                throw ValidationError("--window must be 4096 to \(DeltaFormat.maximumWindow) bytes")
            }
            guard threads >= 1 else { throw ValidationError("--threads must be 1 or more") }
        }

        func run() throws {
            try reportingErrors {
                let start = Date()
                let summary = try DeltaFiles.create(old: old, new: new, patch: output,
                                                    options: .init(blockSize: blockSize, window: window, threads: threads))
                let ratio = summary.header.targetSize == 0 ? 0 : Double(summary.patchBytes) * 100 / Double(summary.header.targetSize)
                print(String(format: "%@: %d bytes (%.2f %% of %llu), %d operations, %.2f s", output, summary.patchBytes, ratio,
                             summary.header.targetSize, summary.operations, Date().timeIntervalSince(start)))
            }
        }
    }

    /// `termflash delta apply OLD PATCH -o NEW`.
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild NEW from OLD and a patch; checks the patch, OLD and the result by SHA-256.")

        @Argument(help: "The image the patch was made from.") var old: String
        @Argument(help: "The patch.") var patch: String
        @Option(name: .shortAndLong, help: "Where to write the rebuilt image (created only on success).") var output: String

        func run() throws {
            try reportingErrors {
                let header = try DeltaFiles.apply(old: old, patch: patch, output: output)
                print("\(output): \(header.targetSize) bytes, sha256 \(header.targetSHA256.map { String(format: "%02x", $0) }.joined()) verified")
            }
        }
    }

    /// `termflash delta info PATCH`.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a patch's source, target, block size and streams.")

        @Argument(help: "The patch.") var patch: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try reportingErrors {
                let info = try DeltaFiles.info(patch: patch)
                if json { try printJSON(info) } else { print(info.text) }
            }
        }
    }
}
