import Foundation
import TermflashCore
import TermflashCrypto
import TermflashImages
import TestSupport
import XCTest

/// The EDL commands as a user runs them: `termflash simulate edl --pty` in one process, and
/// flash / verify / partitions / read / erase / info in others, through the real serial
/// transport on the simulator's pseudo-terminal.
final class EDLCommandTests: CLITestCase {
    /// A running `termflash simulate edl` and what it made.
    final class Simulator {
        let process = Process()
        let folder: String
        var pty = ""
        var set: String { folder + "/set" }
        var storage: String { folder + "/storage.bin" }
        var programmer: String { folder + "/set/prog_firehose_sim.elf" }
        private let output = Pipe()

        /// `ignoringSignals`: started the way a careless supervisor would, with SIGTERM, SIGINT and SIGHUP ignored.
        init(termflash: String, folder: String, arguments: [String], ignoringSignals: Bool = false) throws {
            self.folder = folder
            let command = ["simulate", "edl", "--storage", folder + "/storage.bin", "--sample-set", folder + "/set", "--pty"] + arguments
            if ignoringSignals {
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = ["-c", "trap '' TERM INT HUP; exec \"$0\" \"$@\"", termflash] + command
            } else {
                process.executableURL = URL(fileURLWithPath: termflash)
                process.arguments = command
            }
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            let deadline = Date().addingTimeInterval(20)
            while !text.contains("EDL simulator on "), Date() < deadline {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("EDL simulator on ") }) else {
                process.stopForTest()
                throw NSError(domain: "simulate", code: 1, userInfo: [NSLocalizedDescriptionKey: "no pty path in: \(text)"])
            }
            pty = String(line.dropFirst("EDL simulator on ".count))
        }

        func stop() {
            process.stopForTest()
        }

        /// SHA-256 of `count` bytes of LUN `lun` at `sector` in the storage file.
        func storageDigest(lun: Int, lunBytes: UInt64, sector: UInt64, sectorSize: Int, count: UInt64) throws -> [UInt8] {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: storage))
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(lun) * lunBytes + sector * UInt64(sectorSize))
            return SHA256.hash(try handle.read(upToCount: Int(count)) ?? Data())
        }
    }

    private func startSimulator(_ arguments: [String] = []) throws -> Simulator {
        let simulator = try Simulator(termflash: termflash, folder: try Fixtures.temporaryDirectory(), arguments: arguments)
        addTeardownBlock { simulator.stop() }
        return simulator
    }

    private func edl(_ simulator: Simulator) -> [String] {
        ["--port", simulator.pty, "--programmer", simulator.programmer]
    }

    func testFlashThenVerifyPartitionsReadAndEraseOverAPTY() throws {
        let simulator = try startSimulator(["--sector-size", "4096", "--memory", "ufs"])
        let flashed = try run(on: nil, ["flash", simulator.set, "--allow-unsigned", "--json"] + edl(simulator))
        let report = try XCTUnwrap(try json(flashed) as? [String: Any])
        XCTAssertEqual(report["state"] as? String, "SUCCESS")

        let sample = try SampleRawProgramSet.generate(in: URL(fileURLWithPath: simulator.folder + "/again"), seed: 1, sectorSize: 4096, luns: 2)
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: simulator.storage)[.size] as? NSNumber).uint64Value
        for image in sample.images {
            XCTAssertEqual(try simulator.storageDigest(lun: image.lun, lunBytes: size / 2, sector: image.firstSector, sectorSize: 4096,
                                                       count: image.byteCount), image.sha256, image.label)
        }

        try scribbleOverDontCareRuns(simulator, lunBytes: size / 2)
        let verified = try run(on: nil, ["verify", simulator.set] + edl(simulator))
        XCTAssertEqual(verified.status, 0, verified.standardError)
        XCTAssertTrue(verified.standardOutput.contains("\(sample.images.count) of \(sample.images.count) images match the device"), verified.standardOutput)
        XCTAssertTrue(verified.standardOutput.contains("modem.img LUN 0 sector 22 +192 (2 runs of defined blocks)"), verified.standardOutput)

        let partitions = try XCTUnwrap(try json(try run(on: nil, ["partitions", "--json"] + edl(simulator))) as? [[String: Any]])
        for lun in sample.luns {
            XCTAssertEqual(partitions.filter { $0["lun"] as? Int == lun.lun }.compactMap { $0["name"] as? String }, lun.partitions)
        }

        let boot = try XCTUnwrap(sample.image(labeled: "boot"))
        let backup = simulator.folder + "/boot.bak"
        let read = try run(on: nil, ["read", "boot", "-o", backup] + edl(simulator))
        XCTAssertEqual(read.status, 0, read.standardError)
        XCTAssertEqual(SHA256.hash(try Data(contentsOf: URL(fileURLWithPath: backup)).prefix(Int(boot.byteCount))), boot.sha256)

        XCTAssertEqual(try run(on: nil, ["erase", "boot"] + edl(simulator)).status, 0)
        let after = try run(on: nil, ["verify", simulator.set] + edl(simulator))
        XCTAssertEqual(after.status, 70)
        XCTAssertTrue(after.standardError.contains("the device differs from 1 image(s): boot"), after.standardError)

        let again = try run(on: nil, ["flash", simulator.set, "--allow-unsigned", "--skip-unchanged", "--json"] + edl(simulator))
        let second = try XCTUnwrap(try json(again) as? [String: Any])
        let steps = try XCTUnwrap(second["steps"] as? [[String: Any]])
        let writes = steps.filter { ($0["description"] as? String)?.hasPrefix("write ") == true }
        let rewritten = writes.filter { $0["status"] as? String == "done" }.compactMap { $0["description"] as? String }
        XCTAssertEqual(rewritten.count, 1, "only boot is written again: \(rewritten)")
        XCTAssertTrue(rewritten.first?.contains("boot (LUN") == true, "\(rewritten)")
        XCTAssertEqual(writes.filter { $0["status"] as? String == "skipped" }.count, writes.count - 1)
        XCTAssertEqual(try run(on: nil, ["verify", simulator.set] + edl(simulator)).status, 0)
    }

    func testTheSimulatorStopsOnSIGTERMEvenWhenStartedWithItIgnored() throws {
        let simulator = try Simulator(termflash: termflash, folder: try Fixtures.temporaryDirectory(), arguments: [], ignoringSignals: true)
        addTeardownBlock { simulator.stop() }
        simulator.process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while simulator.process.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(simulator.process.isRunning, "SIGTERM ends the simulator")
        if !simulator.process.isRunning {
            XCTAssertEqual(simulator.process.terminationReason, .uncaughtSignal)
            XCTAssertEqual(simulator.process.terminationStatus, SIGTERM)
        }
    }

    /// Fills the DONT_CARE runs of the set's sparse images on the storage file with 0xEE:
    /// bytes a flash never writes and `verify` must not compare.
    private func scribbleOverDontCareRuns(_ simulator: Simulator, lunBytes: UInt64) throws {
        let set = try RawProgramSet.load(from: URL(fileURLWithPath: simulator.set))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: simulator.storage))
        defer { try? handle.close() }
        var scribbled = 0
        for entry in set.programs where entry.hasImage {
            guard let image = try set.sparseImage(for: entry), let start = entry.start.literal else { continue }
            for hole in image.extents where hole.kind == .dontCare {
                try handle.seek(toOffset: UInt64(entry.lun) * lunBytes + start * UInt64(entry.sectorSize) + hole.outputOffset)
                try handle.write(contentsOf: Data(repeating: 0xEE, count: Int(hole.length)))
                scribbled += 1
            }
        }
        XCTAssertGreaterThan(scribbled, 0, "the sample set has a sparse image with DONT_CARE runs")
    }

    func testImagesAreWrittenByGPTLabelAsTheUnitsTablesPlaceThem() throws {
        let simulator = try startSimulator(["--format", "--size-mib", "16"])
        var random = SplitMix64(seed: 44)
        let boot = (0..<(300 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let fsg = (0..<(20_000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let bootPath = simulator.folder + "/boot.img", fsgPath = simulator.folder + "/fsg.bin"
        try Data(boot).write(to: URL(fileURLWithPath: bootPath))
        try Data(fsg).write(to: URL(fileURLWithPath: fsgPath))
        let images = ["--allow-unsigned", bootPath, "--partition", "boot", fsgPath, "--partition", "fsg"]

        let dry = try run(on: nil, ["flash", "--dry-run"] + images + edl(simulator))
        XCTAssertEqual(dry.status, 0, dry.standardError)
        XCTAssertTrue(dry.standardOutput.contains("boot (by label: LUN and sectors from the unit's GPT)"), dry.standardOutput)

        let flashed = try run(on: nil, ["flash", "--json"] + images + edl(simulator))
        XCTAssertEqual((try json(flashed) as? [String: Any])?["state"] as? String, "SUCCESS")
        let rows = try XCTUnwrap(try json(try run(on: nil, ["partitions", "--json"] + edl(simulator))) as? [[String: Any]])
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: simulator.storage)[.size] as? NSNumber).uint64Value
        for (name, bytes) in [("boot", boot), ("fsg", fsg)] {
            let row = try XCTUnwrap(rows.first { $0["name"] as? String == name })
            let lun = try XCTUnwrap(row["lun"] as? Int), first = try XCTUnwrap(row["firstLBA"] as? Int)
            XCTAssertEqual(try simulator.storageDigest(lun: lun, lunBytes: size / 2, sector: UInt64(first), sectorSize: 512, count: UInt64(bytes.count)),
                           SHA256.hash(bytes), "\(name) at LUN \(lun) sector \(first)")
        }

        let keyring = simulator.folder + "/keyring", package = simulator.folder + "/boot.tfpkg"
        let newBoot = boot.map { $0 ^ 0x5A }
        try Data(newBoot).write(to: URL(fileURLWithPath: bootPath))
        XCTAssertEqual(try run(on: nil, ["keys", "generate", "factory", "-o", simulator.folder, "--trust", "--keyring", keyring]).status, 0)
        let created = try run(on: nil, ["package", "create", "--id", "edl-boot", "--version", "2", "--profile", "edl-9008", "--image", "boot=\(bootPath)",
                                        "--backend", "edl", "--key", simulator.folder + "/factory.key.pem", "-o", package])
        XCTAssertEqual(created.status, 0, created.standardError)
        let signed = try run(on: nil, ["flash", package, "--profile", "edl-9008", "--keyring", keyring, "--ledger", simulator.folder + "/units.json"]
                                 + edl(simulator))
        XCTAssertEqual(signed.status, 0, signed.standardError)
        let bootRow = try XCTUnwrap(rows.first { $0["name"] as? String == "boot" })
        XCTAssertEqual(try simulator.storageDigest(lun: 0, lunBytes: size / 2, sector: UInt64(bootRow["firstLBA"] as? Int ?? 0), sectorSize: 512,
                                                   count: UInt64(newBoot.count)), SHA256.hash(newBoot), "a signed package goes to its GPT label too")

        var patched = newBoot
        for block in [3, 40] { patched[block * 4096 + 9] ^= 0xFF }
        let patchedPath = simulator.folder + "/boot-2.img", delta = simulator.folder + "/boot.delta"
        try Data(patched).write(to: URL(fileURLWithPath: patchedPath))
        XCTAssertEqual(try run(on: nil, ["delta", "create", bootPath, patchedPath, "-o", delta]).status, 0)
        let differential = try run(on: nil, ["flash", "--allow-unsigned", "--delta", delta, "--delta-base", bootPath, "--partition", "boot"] + edl(simulator))
        XCTAssertEqual(differential.status, 0, differential.standardError)
        XCTAssertTrue(differential.standardOutput.contains("source confirmed by device sha256"), differential.standardOutput)
        XCTAssertTrue(differential.standardOutput.contains("blocks written 2 of"), differential.standardOutput)
        XCTAssertEqual(try simulator.storageDigest(lun: 0, lunBytes: size / 2, sector: UInt64(bootRow["firstLBA"] as? Int ?? 0), sectorSize: 512,
                                                   count: UInt64(patched.count)), SHA256.hash(patched), "the delta found boot by its GPT label")

        let before = try Data(contentsOf: URL(fileURLWithPath: simulator.storage))
        let unknown = try run(on: nil, ["flash", "--allow-unsigned", bootPath, "--partition", "bootx"] + edl(simulator))
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.standardError.contains("bootx"), unknown.standardError)
        XCTAssertTrue(unknown.standardError.contains("sbl1, aboot, boot, modem, userdata, fsg, persist"), unknown.standardError)
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: simulator.storage)) == before, "nothing is written for an unknown label")
    }

    func testInfoReadsSaharaFactsAndStorage() throws {
        let simulator = try startSimulator()
        let facts = try XCTUnwrap(try json(try run(on: nil, ["info", "--port", simulator.pty, "--json"])) as? [String: Any])
        XCTAssertEqual((facts["sahara"] as? [String: Any])?["serialNumber"] as? String, "0x1234abcd")
        let full = try XCTUnwrap(try json(try run(on: nil, ["info", "--json"] + edl(simulator))) as? [String: Any])
        let storage = try XCTUnwrap(full["storage"] as? [[String: Any]])
        XCTAssertEqual(storage.count, 2)
        XCTAssertEqual(storage.first?["blockSize"] as? Int, 512)
    }

    func testDryRunPrintsEveryWriteWithoutTouchingTheDevice() throws {
        let simulator = try startSimulator()
        let before = try Data(contentsOf: URL(fileURLWithPath: simulator.storage))
        let plan = try run(on: nil, ["flash", simulator.set, "--allow-unsigned", "--dry-run"] + edl(simulator))
        XCTAssertEqual(plan.status, 0, plan.standardError)
        XCTAssertTrue(plan.standardOutput.contains("[edl]"))
        XCTAssertTrue(plan.standardOutput.contains("boot.img 204800 bytes -> boot (LUN 0"), plan.standardOutput)
        XCTAssertTrue(plan.standardOutput.contains(#"<program SECTOR_SIZE_IN_BYTES="512" num_partition_sectors="400" physical_partition_number="0" start_sector=""#),
                      plan.standardOutput)
        XCTAssertTrue(plan.standardOutput.contains("modem.img (sparse) expanded bytes 0..<"), "DONT_CARE runs split the sparse image")
        XCTAssertTrue(plan.standardOutput.contains("setbootablestoragedrive value=0"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: simulator.storage)), before)
    }

    func testANAKDuringFlashEndsWithTheCommandTheDeviceLogAndTheJournal() throws {
        let simulator = try startSimulator(["--nak-at", "4"])
        let journal = simulator.folder + "/journal.json"
        let result = try run(on: nil, ["flash", simulator.set, "--allow-unsigned", "--journal", journal] + edl(simulator))
        XCTAssertEqual(result.status, 70, result.standardError)
        XCTAssertTrue(result.standardError.contains("the programmer refused program (NAK)"), result.standardError)
        XCTAssertTrue(result.standardError.contains("simulated fault: NAK of command 4"), result.standardError)
        XCTAssertTrue(result.standardError.contains("--resume \(journal)"), result.standardError)
        let resumed = try run(on: nil, ["flash", simulator.set, "--resume", journal, "--allow-unsigned"] + edl(simulator))
        XCTAssertEqual(resumed.status, 0, resumed.standardError)
        XCTAssertEqual(try run(on: nil, ["verify", simulator.set] + edl(simulator)).status, 0)
    }

    func testAUnitThatVanishesMidImageIsReportedWithWhatItHolds() throws {
        let simulator = try startSimulator(["--disconnect-after", "300000"])
        let result = try run(on: nil, ["flash", simulator.set, "--allow-unsigned", "--journal", simulator.folder + "/j.json"] + edl(simulator))
        XCTAssertEqual(result.status, 70, result.standardError)
        XCTAssertTrue(result.standardError.contains("vanished"), result.standardError)
        XCTAssertTrue(result.standardError.contains("bytes confirmed by the device"), result.standardError)
        XCTAssertTrue(result.standardError.contains("--resume"), result.standardError)
        simulator.process.waitUntilExit()
        XCTAssertEqual(simulator.process.terminationStatus, 0, "the simulator ends when its unit vanishes")
    }

    func testAProgrammerWithoutDigestsFailsVerifyWithItsOwnWords() throws {
        let simulator = try startSimulator(["--unsupported", "getsha256digest"])
        let result = try run(on: nil, ["verify", simulator.set] + edl(simulator))
        XCTAssertEqual(result.status, 78, result.standardError)
        XCTAssertTrue(result.standardError.contains("Unsupported command: getsha256digest"), result.standardError)
    }

    // MARK: a recorded session

    /// `partitions` as recorded with `--record` against `simulate edl` after flashing its sample set.
    static let partitionsCapture = "edl/sim-tty-partitions.script"
    static let expectedPartitions = [
        ("0", "0", "sbl1", "34", "161"), ("0", "1", "modem", "162", "2209"), ("0", "2", "boot", "2210", "2721"),
        ("0", "3", "cache", "2722", "3233"), ("0", "4", "userdata", "3234", "5409"), ("1", "0", "fsg1", "34", "161"),
        ("1", "1", "spare1", "162", "5409"),
    ]

    /// The stand-in programmer the recording uploaded (`simulate edl --sample-set` writes the same bytes every time).
    private func recordedProgrammer() throws -> String {
        let folder = try Fixtures.temporaryDirectory()
        let made = try run(on: nil, ["simulate", "edl", "--storage", folder + "/unit.bin", "--sample-set", folder + "/set"])
        XCTAssertEqual(made.status, 0, made.standardError)
        return folder + "/set/prog_firehose_sim.elf"
    }

    private func assertPartitionTable(_ output: String, file: StaticString = #filePath, line: UInt = #line) {
        let rows = output.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(rows.map { [$0[0], $0[1], $0[2], $0[3], $0[4]] },
                       Self.expectedPartitions.map { [$0.0, $0.1, $0.2, $0.3, $0.4] }, output, file: file, line: line)
    }

    func testARecordedPartitionsSessionReplaysThroughTheReplayTransport() throws {
        let result = try run(on: nil, ["partitions", "--programmer", try recordedProgrammer(), "--replay", Fixtures.path(Self.partitionsCapture)])
        XCTAssertEqual(result.status, 0, result.standardError)
        assertPartitionTable(result.standardOutput)
    }

    func testARecordedPartitionsSessionReplaysOnAUMockDevScriptedTTY() throws {
        let umockdevRun = try XCTUnwrap(which("umockdev-run"), "umockdev-run is missing: 'make test' installs it")
        let programmer = try recordedProgrammer()
        let result = try runProcess(umockdevRun, ["-d", Fixtures.path("umockdev/three-devices.umockdev"),
                                                  "-s", "/dev/ttyUSB3=" + Fixtures.path(Self.partitionsCapture), "--",
                                                  termflash, "partitions", "--programmer", programmer, "--port", "/dev/ttyUSB3"])
        XCTAssertEqual(result.status, 0, result.standardError)
        assertPartitionTable(result.standardOutput)
    }

    func testCaptureShowDecodesTheRecordedSession() throws {
        let result = try run(on: nil, ["capture", "show", Fixtures.path(Self.partitionsCapture)])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasSuffix("IN sahara HELLO version=2 compatible=1 max_command_length=1024 mode=0") ?? false, lines.first ?? "")
        XCTAssertTrue(lines.contains { $0.contains("OUT firehose getstorageinfo physical_partition_number=0") })
        XCTAssertTrue(lines.contains { $0.contains("IN firehose RAW bytes=16384") })
        XCTAssertEqual(lines.filter { $0.contains("OUT firehose read ") }.count, 4, "header and entries of two LUNs")
    }
}
