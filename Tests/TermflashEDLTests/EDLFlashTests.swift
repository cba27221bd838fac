import Foundation
import TermflashCore
import TermflashCrypto
import TermflashEngine
import TermflashHardware
import TermflashImages
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// A generated rawprogram set flashed end to end through the update engine, Sahara and
/// Firehose onto the simulated unit; the storage file is then checked byte for byte.
final class EDLFlashTests: XCTestCase {
    /// One unit with its storage, a sample set and a flash target ready to use.
    final class Bench {
        let folder: String
        let sample: SampleRawProgramSet
        let set: RawProgramSet
        let storage: EDLStorage
        let unit: InProcessEDL?
        let planner: RawProgramPlanner
        let target: FirehoseFlashTarget

        init(sectorSize: Int, behaviour: EDLDeviceBehaviour = EDLDeviceBehaviour(), transport: ((EDLStorage) throws -> Transport)? = nil,
             function: String = #function) throws {
            folder = try Fixtures.temporaryDirectory(function)
            sample = try SampleRawProgramSet.generate(in: URL(fileURLWithPath: folder + "/set"), seed: 7, sectorSize: sectorSize, luns: 2)
            set = try RawProgramSet.load(from: sample.folder)
            let sectors = sample.luns.map(\.diskSectors).max()!
            storage = try EDLStorage(path: folder + "/storage.bin", lunCount: 2, lunBytes: sectors * UInt64(sectorSize), sectorSize: sectorSize)
            var behaviour = behaviour
            if sectorSize == 4096 { behaviour.memoryNames = ["ufs"] }
            let host: Transport
            if let transport {
                unit = nil
                host = try transport(storage)
            } else {
                let unit = InProcessEDL(storage: storage, behaviour: behaviour, bufferBytes: 1 << 20, rebootOnReset: true)
                self.unit = unit
                host = unit.host
            }
            _ = try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(EDLProgrammerImage.make())])
            let firehose = FirehoseHost(transport: host)
            let settled = try firehose.configure()
            XCTAssertEqual(settled.memoryName, sectorSize == 4096 ? "ufs" : "emmc")
            planner = RawProgramPlanner(rawProgram: set, input: sample.folder.path)
            target = FirehoseFlashTarget(host: firehose, sectorSize: sectorSize, name: "firehose")
            target.openImage = { [planner] command in
                try planner.source(named: command.attributes["filename"] ?? "", sectorOffset: command.attributes["file_sector_offset"])
            }
        }

        func engine(skipUnchanged: Bool = false, journal: String? = nil) throws -> UpdateEngine {
            UpdateEngine(plan: try planner.plan(), target: target, resolver: SourceResolver { [planner] in try planner.source(for: $0) },
                         journalPath: journal ?? folder + "/journal.json", options: .init(retries: 0, skipUnchanged: skipUnchanged))
        }

        /// Every image's bytes and both GPT copies of every LUN, as the storage file holds them.
        func assertStorageHoldsTheSet(file: StaticString = #filePath, line: UInt = #line) throws {
            for image in sample.images {
                let bytes = try storage.read(lun: image.lun, offset: image.firstSector * UInt64(sample.sectorSize), length: Int(image.byteCount))
                XCTAssertEqual(SHA256.hash(bytes), image.sha256, "\(image.label) on LUN \(image.lun)", file: file, line: line)
            }
            for lun in sample.luns {
                let tables = try gpt(lun: lun.lun)
                XCTAssertEqual(tables.primary.partitions.map(\.name), lun.partitions, file: file, line: line)
                XCTAssertEqual(tables.primary.header.alternateLBA, storage.sectorsPerLUN - 1, "patched to the real disk size", file: file, line: line)
                XCTAssertEqual(tables.backup.header.myLBA, storage.sectorsPerLUN - 1, file: file, line: line)
                XCTAssertEqual(tables.backup.partitions, tables.primary.partitions, file: file, line: line)
            }
        }

        func gpt(lun: Int) throws -> (primary: GPT, backup: GPT) {
            let size = storage.sectorSize
            func sectors(_ start: UInt64, _ count: Int) throws -> [UInt8] {
                try storage.read(lun: lun, offset: start * UInt64(size), length: count * size)
            }
            let header = try GPTHeader.parse(try sectors(1, 1))
            let primary = try GPT.parse(lba1: try sectors(1, 1), entries: try sectors(header.partitionEntryLBA, header.entryArraySectors(sectorSize: size)),
                                        sectorSize: size)
            let last = storage.sectorsPerLUN - 1
            let backupHeader = try GPTHeader.parse(try sectors(last, 1))
            let backup = try GPT.parse(lba1: try sectors(last, 1),
                                       entries: try sectors(backupHeader.partitionEntryLBA, backupHeader.entryArraySectors(sectorSize: size)), sectorSize: size)
            return (primary, backup)
        }

        /// Bytes of the program steps only the programmer can place (the backup GPTs).
        var symbolicProgramBytes: UInt64 {
            self.set.programs.filter { $0.hasImage && $0.start.literal == nil }.reduce(0) { total, entry in
                total + entry.sectorsToWrite(imageBytes: (try? self.set.imageSource(for: entry).count) ?? 0) * UInt64(entry.sectorSize)
            }
        }

        deinit {
            unit?.shutdown()
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    func testASampleSetFlashesOntoUFSAndEMMCAndEveryByteAndBothGPTsAreRight() throws {
        for sectorSize in [4096, 512] {
            let bench = try Bench(sectorSize: sectorSize)
            let report = try bench.engine().run()
            XCTAssertEqual(report.state, .success)
            try bench.assertStorageHoldsTheSet()
            let record = bench.unit!.device.record
            XCTAssertEqual(record.bootableDrive, bench.planner.bootableLUN)
            XCTAssertEqual(record.power, "reset")
            XCTAssertEqual(record.commands.filter { $0 == "patch" }.count, bench.set.diskPatches.count)
            XCTAssertTrue(report.steps.filter { $0.description.hasPrefix("write") }.allSatisfy { $0.verifiedBy == "device sha256" })
        }
    }

    func testReflashingWithSkipUnchangedSendsOnlyWhatDiffers() throws {
        let bench = try Bench(sectorSize: 4096)
        try bench.engine().run()
        _ = try SaharaHost(transport: bench.unit!.host).upload(images: [13: MemoryByteSource(EDLProgrammerImage.make())])
        try bench.target.host.configure()
        let before = bench.unit!.device.record.programBytes
        bench.target.skipUnchangedChunkBytes = 1 << 20
        let report = try bench.engine(skipUnchanged: true, journal: bench.folder + "/again.json").run()
        XCTAssertEqual(report.state, .success)
        let primaryGPT = bench.set.programs.filter { $0.label == "PrimaryGPT" }.reduce(UInt64(0)) {
            $0 + $1.sectorsToWrite(imageBytes: (try? bench.set.imageSource(for: $1).count) ?? 0) * UInt64($1.sectorSize)
        }
        XCTAssertEqual(bench.unit!.device.record.programBytes - before, primaryGPT + bench.symbolicProgramBytes,
                       "only the GPTs (patched on the device, so different from their images) were sent again")
        XCTAssertGreaterThan(report.steps.filter { $0.status == .skipped }.count, 0)
        try bench.assertStorageHoldsTheSet()
    }

    func testANAKMidPlanStopsWithTheCommandTheLogAndTheDeviceStateReported() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.nakAtCommand = 6  // configure, then the fifth command of the plan
        let bench = try Bench(sectorSize: 4096, behaviour: behaviour)
        let plan = try bench.planner.plan()
        XCTAssertThrowsError(try bench.engine().run()) { error in
            guard let failure = error as? UpdateFailure else { return XCTFail("\(error)") }
            XCTAssertTrue(failure.reason.contains("NAK"), failure.reason)
            XCTAssertTrue(failure.reason.contains("simulated fault: NAK of command 6"), failure.reason)
            let steps = failure.report.steps
            let failed = steps.filter { $0.status == .failed }
            XCTAssertEqual(failed.count, 1)
            XCTAssertTrue(steps.prefix { $0.status != .failed }.allSatisfy { $0.status == .done })
            XCTAssertTrue(steps.drop { $0.status != .failed }.dropFirst().allSatisfy { $0.status == .pending })
            XCTAssertNotEqual(failure.report.state, .success)
            let commands = bench.unit!.device.record.commands
            XCTAssertEqual(commands.count, 6)
            let configures = commands.filter { $0 == "configure" }.count
            XCTAssertEqual(steps.filter { $0.status == .done }.count, 6 - configures - 1, "one Firehose command per step before the NAK")
            XCTAssertEqual(failed.first?.index, 6 - configures, "the step of the NAKed command (numbered from 1)")
            XCTAssertEqual(plan.steps.count, steps.count)
        }
        XCTAssertNil(bench.unit!.device.record.power, "no reset after a NAK")
    }

    func testADisconnectMidImageReportsTheBytesSentAndConfirmed() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.disconnectAfterBytes = 100_000
        behaviour.maxPayloadToTarget = 16384
        let bench = try Bench(sectorSize: 512, behaviour: behaviour)
        XCTAssertThrowsError(try bench.engine().run()) { error in
            guard let failure = error as? UpdateFailure else { return XCTFail("\(error)") }
            let failed = failure.report.steps.first { $0.status == .failed }
            XCTAssertNotNil(failed)
            XCTAssertTrue(failure.reason.contains("bytes confirmed by the device"), failure.reason)
        }
        XCTAssertEqual(bench.unit!.device.record.programBytes, 100_000)
        XCTAssertTrue(bench.unit!.device.record.stopReason?.contains("disconnected after 100000") ?? false)
    }

    func testAWrongDeviceDigestFailsVerificationNamingTheRegion() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.wrongDigest = true
        let bench = try Bench(sectorSize: 4096, behaviour: behaviour)
        XCTAssertThrowsError(try bench.engine().run()) { error in
            guard let failure = error as? UpdateFailure else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.report.state, .failed)
            XCTAssertTrue(failure.reason.contains("device sha256"), failure.reason)
        }
    }

    /// The sample set's sparse image, its entry and where it starts on the device.
    private func sparseEntry(_ bench: Bench) throws -> (entry: ProgramEntry, image: SparseImage, base: UInt64) {
        let entry = try XCTUnwrap(bench.set.programs.first { $0.hasImage && (try? bench.set.sparseImage(for: $0)) != nil })
        let image = try XCTUnwrap(try bench.set.sparseImage(for: entry))
        return (entry, image, try XCTUnwrap(entry.start.literal) * UInt64(entry.sectorSize))
    }

    func testSparseDontCareRunsAreNeitherSentNorWritten() throws {
        let bench = try Bench(sectorSize: 4096)
        let (entry, image, base) = try sparseEntry(bench)
        let holes = image.extents.filter { $0.kind == .dontCare }
        XCTAssertFalse(holes.isEmpty, "the sample's sparse image has DONT_CARE runs")
        for hole in holes {
            try bench.storage.write(lun: entry.lun, offset: base + hole.outputOffset, bytes: [UInt8](repeating: 0xA5, count: Int(hole.length)))
        }
        let runs = image.dataRuns(alignment: 4096)
        let parts = try bench.planner.plan().writes.compactMap(\.image).filter { $0.expandedOffset != nil }
        let planned: [Range<UInt64>] = parts.map { part in
            let start = part.expandedOffset ?? 0
            return start..<(start + part.length)
        }
        XCTAssertEqual(planned, runs)
        XCTAssertEqual(runs.reduce(UInt64(0)) { $0 + ($1.upperBound - $1.lowerBound) }, image.definedBytes)

        let report = try bench.engine().run()
        XCTAssertEqual(report.state, .success)
        for hole in holes {
            let bytes = try bench.storage.read(lun: entry.lun, offset: base + hole.outputOffset, length: Int(hole.length))
            XCTAssertEqual(Set(bytes), [0xA5], "DONT_CARE at \(hole.outputOffset) keeps what the device held")
        }
        let expanded = image.expanded
        for run in runs {
            let length = Int(run.upperBound - run.lowerBound)
            XCTAssertEqual(try bench.storage.read(lun: entry.lun, offset: base + run.lowerBound, length: length),
                           try expanded.read(offset: run.lowerBound, length: length), "defined bytes \(run)")
        }
        let rawImages = try bench.planner.plan().writes.compactMap(\.image).filter { $0.expandedOffset == nil }
        let sentForWrites = rawImages.reduce(UInt64(0)) { $0 + ($1.length + 4095) / 4096 * 4096 } + image.definedBytes
        let programSteps = bench.set.programs.filter { $0.hasImage && ($0.start.literal == nil || bench.planner.isChangedByPatches($0)) }
        let sentForProgramSteps = try programSteps.reduce(UInt64(0)) {
            $0 + $1.sectorsToWrite(imageBytes: try bench.set.imageSource(for: $1).count) * UInt64($1.sectorSize)
        }
        XCTAssertEqual(bench.unit!.device.record.programBytes, sentForWrites + sentForProgramSteps,
                       "the sparse image costs only its defined bytes on the wire")
    }

    func testACorruptCRC32ChunkAfterADontCareRunStopsTheFlashBeforeAnyWrite() throws {
        let bench = try Bench(sectorSize: 4096)
        let (entry, image, _) = try sparseEntry(bench)
        let firstHole = try XCTUnwrap(image.extents.first { $0.kind == .dontCare })
        let checksum = try XCTUnwrap(image.checksums.first { $0.outputOffset >= firstHole.outputEnd })
        let file = bench.sample.folder.appendingPathComponent(entry.filename)
        var bytes = try Data(contentsOf: file)
        bytes[Int(checksum.fileOffset) + image.chunkHeaderSize] ^= 0x01
        try bytes.write(to: file)
        XCTAssertThrowsError(try bench.engine().run()) { error in
            guard let failure = error as? UpdateFailure else { return XCTFail("\(error)") }
            XCTAssertTrue(failure.reason.contains("CRC32 chunk holds"), failure.reason)
            XCTAssertTrue(failure.reason.contains("chunk \(checksum.chunk)"), failure.reason)
        }
        XCTAssertEqual(bench.unit!.device.record.programBytes, 0, "nothing is written before every image checks out")
    }
}
