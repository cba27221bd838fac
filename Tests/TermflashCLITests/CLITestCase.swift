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
