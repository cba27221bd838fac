import Foundation
import TermflashCore
import TermflashCrypto
import TermflashImages
import TestSupport
import XCTest

/// The generated sample set: deterministic, and flashing it (images + DISK patches) leaves valid GPTs on LUNs larger than it was made for.
final class SampleRawProgramSetTests: XCTestCase {
    private func generate(seed: UInt64 = 1, sectorSize: Int = 4096, luns: Int = 2) throws -> SampleRawProgramSet {
        try SampleRawProgramSet.generate(in: URL(fileURLWithPath: try Fixtures.temporaryDirectory()), seed: seed, sectorSize: sectorSize, luns: luns)
    }

    private func contents(_ sample: SampleRawProgramSet) throws -> [String: Data] {
        try Dictionary(uniqueKeysWithValues: sample.files.map { ($0, try Data(contentsOf: sample.folder.appendingPathComponent($0))) })
    }

    func testTheSameSeedGivesTheSameBytes() throws {
        let first = try generate(seed: 42), second = try generate(seed: 42), other = try generate(seed: 43)
        XCTAssertEqual(first.files, ["boot.img", "fsg1.bin", "gpt_backup0.bin", "gpt_backup1.bin", "gpt_main0.bin", "gpt_main1.bin",
                                     "modem.img", "patch0.xml", "patch1.xml", "rawprogram0.xml", "rawprogram1.xml", "sbl1.mbn"])
        XCTAssertEqual(try contents(first), try contents(second))
        XCTAssertNotEqual(try contents(first)["boot.img"], try contents(other)["boot.img"])
        let total = try contents(first).values.reduce(0) { $0 + $1.count }
        XCTAssertLessThan(total, 4 << 20, "a few MiB at most")
    }

    func testFlashingFitsTheTablesToTheRealLUNs() throws {
        for sectorSize in [512, 4096] {
            let sample = try generate(sectorSize: sectorSize, luns: 3)
            let set = try RawProgramSet.load(from: sample.folder)
            XCTAssertEqual(set.luns, [0, 1, 2])
            XCTAssertTrue(set.programs.contains { $0.sparse })
            XCTAssertTrue(set.diskPatches.contains { $0.value.isCRC32 })
            XCTAssertFalse(set.filePatches.isEmpty)
            var luns = InMemoryLUNs(sizes: Dictionary(uniqueKeysWithValues: sample.luns.map { ($0.lun, $0.diskSectors) }), sectorSize: sectorSize)
            try luns.flash(set)
            try checkFlashed(luns, sample)
        }
    }

    func testWithoutTheDiskPatchesTheBackupTableIsBroken() throws {
        let sample = try generate()
        var luns = InMemoryLUNs(sizes: [0: sample.luns[0].diskSectors, 1: sample.luns[1].diskSectors], sectorSize: 4096)
        try luns.flash(try RawProgramSet.load(from: sample.folder), patches: false)
        let primary = try GPT.parse(lba1: luns.sectors(0, 1, 1), entries: luns.sectors(0, 2, 4), sectorSize: 4096)
        XCTAssertEqual(primary.header.alternateLBA, sample.luns[0].nominalSectors - 1, "made for the nominal size")
        XCTAssertNotEqual(primary.header.alternateLBA, sample.luns[0].diskSectors - 1)
        XCTAssertThrowsError(try luns.tables(0)) { error in
            XCTAssertEqual((error as? GPTError)?.field, "PartitionEntryArrayCRC32",
                           "the backup header lands on the real last LBA but still points at the nominal entry array")
        }
    }

    func testFilePatchesGiveTheSameTablesAsTheDevice() throws {
        let sample = try generate(sectorSize: 512)
        let set = try RawProgramSet.load(from: sample.folder)
        var luns = InMemoryLUNs(sizes: [0: sample.luns[0].diskSectors, 1: sample.luns[1].diskSectors], sectorSize: 512)
        try luns.flash(set)
        let diskSectors = sample.luns[0].diskSectors
        var main = try [UInt8](Data(contentsOf: sample.folder.appendingPathComponent("gpt_main0.bin")))
        var backup = try [UInt8](Data(contentsOf: sample.folder.appendingPathComponent("gpt_backup0.bin")))
        for patch in set.filePatches where patch.lun == 0 {
            if patch.target == .file("gpt_main0.bin") { try patch.apply(to: &main, diskSectors: diskSectors) }
            if patch.target == .file("gpt_backup0.bin") { try patch.apply(to: &backup, diskSectors: diskSectors) }
        }
        XCTAssertEqual(Array(main[512...]), luns.sectors(0, 1, 33), "primary header and entries")
        XCTAssertEqual(backup, luns.sectors(0, diskSectors - 33, 33), "backup entries and header")
    }

    /// util-linux's sfdisk reads the flashed 512-byte-sector LUN as a valid GPT disk.
    func testSfdiskAgrees() throws {
        guard let sfdisk = ["/usr/sbin/sfdisk", "/sbin/sfdisk"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("sfdisk missing: scripts/setup.sh installs fdisk")
        }
        let sample = try generate(sectorSize: 512, luns: 1)
        var luns = InMemoryLUNs(sizes: [0: sample.luns[0].diskSectors], sectorSize: 512)
        try luns.flash(try RawProgramSet.load(from: sample.folder))
        let path = try Fixtures.temporaryDirectory() + "/lun0.img"
        try Data(luns.disks[0]!).write(to: URL(fileURLWithPath: path))
        let verify = try runProcess(sfdisk, ["--verify", path])
        XCTAssertEqual(verify.status, 0, verify.standardOutput + verify.standardError)
        XCTAssertFalse((verify.standardOutput + verify.standardError).lowercased().contains("corrupt"), verify.standardOutput + verify.standardError)
        let dump = try runProcess(sfdisk, ["--json", path])
        XCTAssertEqual(dump.status, 0, dump.standardError)
        let json = try JSONSerialization.jsonObject(with: Data(dump.standardOutput.utf8)) as? [String: Any]
        let table = json?["partitiontable"] as? [String: Any]
        XCTAssertEqual(table?["label"] as? String, "gpt")
        XCTAssertEqual(table?["lastlba"] as? Int, Int(sample.luns[0].diskSectors) - 34)
        let partitions = table?["partitions"] as? [[String: Any]] ?? []
        XCTAssertEqual(partitions.compactMap { $0["name"] as? String }, sample.luns[0].partitions)
        let last = partitions.last
        XCTAssertEqual((last?["start"] as? Int ?? 0) + (last?["size"] as? Int ?? 0) - 1, Int(sample.luns[0].diskSectors) - 34,
                       "userdata grew to the real LUN's last usable LBA")
    }

    private func checkFlashed(_ luns: InMemoryLUNs, _ sample: SampleRawProgramSet, file: StaticString = #filePath, line: UInt = #line) throws {
        let entrySectors = UInt64(16384 / sample.sectorSize)
        for lun in sample.luns {
            let (primary, backup) = try luns.tables(lun.lun)
            XCTAssertEqual(primary.partitions.map(\.name), lun.partitions, file: file, line: line)
            XCTAssertEqual(primary.partitions, backup.partitions, file: file, line: line)
            XCTAssertEqual(primary.header.alternateLBA, lun.diskSectors - 1, file: file, line: line)
            XCTAssertEqual(primary.header.lastUsableLBA, lun.diskSectors - entrySectors - 2, file: file, line: line)
            XCTAssertEqual(primary.partitions.last?.lastLBA, lun.diskSectors - entrySectors - 2, "grown to the end", file: file, line: line)
            XCTAssertEqual(backup.header.myLBA, lun.diskSectors - 1, file: file, line: line)
            XCTAssertEqual(backup.header.partitionEntryLBA, lun.diskSectors - entrySectors - 1, file: file, line: line)
            let mbr = luns.sectors(lun.lun, 0, 1)
            XCTAssertTrue(ProtectiveMBR.isProtective(mbr), file: file, line: line)
            XCTAssertEqual(UInt64(mbr[458]) | UInt64(mbr[459]) << 8 | UInt64(mbr[460]) << 16, lun.diskSectors - 1, file: file, line: line)
        }
        XCTAssertEqual(sample.images.map(\.label), ["sbl1", "modem", "boot"] + sample.luns.dropFirst().map { "fsg\($0.lun)" })
        for image in sample.images {
            let partition = try luns.tables(image.lun).primary.partition(named: image.label)
            XCTAssertEqual(partition?.firstLBA, image.firstSector, file: file, line: line)
            let sectors = Int((image.byteCount + UInt64(sample.sectorSize) - 1) / UInt64(sample.sectorSize))
            let written = luns.sectors(image.lun, image.firstSector, sectors)
            XCTAssertEqual(SHA256.hash(Array(written.prefix(Int(image.byteCount)))), image.sha256, image.label, file: file, line: line)
            XCTAssertTrue(written.dropFirst(Int(image.byteCount)).allSatisfy { $0 == 0 }, "last sector zero-padded", file: file, line: line)
        }
    }
}
