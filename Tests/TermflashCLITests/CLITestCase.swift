import Foundation
import TermflashCore
import TestSupport
import XCTest

/// Runs the built `termflash` executable, on a simulated bus when asked, as a user would.
class CLITestCase: XCTestCase {
    /// The executable beside the test bundle (both live in the build's bin folder).
    var termflash: String {
        let binFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let candidates = [binFolder + "/termflash", Fixtures.repositoryRoot + "/.build/debug/termflash"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// The folder each run starts in: files termflash writes beside itself (default journals,
    /// backups) land there, never in the checkout.
    private(set) lazy var workingDirectory: String = (try? Fixtures.temporaryDirectory()) ?? NSTemporaryDirectory()

    /// `termflash ARGS` on the bus described by `Captures/umockdev/<bus>` through `umockdev-run`.
    func run(on bus: String?, _ arguments: [String]) throws -> ProcessResult {
        let environment = ["TERMFLASH_PROFILES": Fixtures.repositoryRoot + "/DeviceProfiles"]
        guard let bus else {
            return try runProcess(termflash, arguments, environment: environment, workingDirectory: workingDirectory)
        }
        let umockdevRun = try XCTUnwrap(which("umockdev-run"), "umockdev-run is missing: run 'make test', which installs it")
        return try runProcess(umockdevRun, ["-d", Fixtures.path("umockdev/\(bus)"), "--", termflash] + arguments,
                              environment: environment, workingDirectory: workingDirectory)
    }

    /// Decodes `--json` output.
    func json(_ result: ProcessResult, file: StaticString = #filePath, line: UInt = #line) throws -> Any {
        XCTAssertEqual(result.status, 0, result.standardError, file: file, line: line)
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
    }

    // MARK: a disk image standing in for a unit

    /// 256 KiB of reproducible random bytes (`seed`): a test's disk image before flashing.
    func randomDisk(seed: UInt64, bytes: Int = 256 << 10) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        return (0..<bytes).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// Writes `folder/profiles/test.yaml`: a 256 KiB eMMC unit `id` of the U-Boot family with
    /// `partitions` (YAML flow mappings) and any `extra` top-level YAML.
    func writeDiskProfile(in folder: String, id: String, model: String, partitions: [String], extra: String = "") throws {
        let profile = """
        schemaVersion: 1
        id: \(id)
        vendor: Test
        model: \(model)
        kind: router
        protocolFamily: uboot
        storage:
          type: emmc
          sizeBytes: 262144
          partitions:
        \(partitions.map { "    - " + $0 }.joined(separator: "\n"))

        """ + extra
        try FileManager.default.createDirectory(atPath: "\(folder)/profiles", withIntermediateDirectories: true)
        try profile.write(toFile: "\(folder)/profiles/test.yaml", atomically: true, encoding: .utf8)
    }
}

/// A `termflash simulate …` running in the background (outside umockdev), and the ports it
/// announced as `NAME /dev/pts/N` lines (`port`, `diag`, `at`).
final class AnnouncingSimulator {
    let process = Process()
    var ports: [String: String] = [:]
    private let output = Pipe()

    init(_ termflash: String, _ arguments: [String], folder: String, expecting names: [String]) throws {
        process.executableURL = URL(fileURLWithPath: termflash)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        for key in ["LD_PRELOAD", "UMOCKDEV_DIR"] { environment.removeValue(forKey: key) }
        process.environment = environment
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let reader = output.fileHandleForReading
        while ports.count < names.count {
            let data = reader.availableData
            guard !data.isEmpty else { break }
            text += String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, names.contains(String(parts[0])) { ports[String(parts[0])] = String(parts[1]) }
            }
        }
    }

    func stop() {
        process.stopForTest()
    }
}
