import Foundation
import TermflashCore
import TermflashCrypto
import TermflashImages
import TestSupport
import XCTest
import ZIPFoundation

/// Rawprogram sets inside zips: members streamed in place (stored or deflated), never extracted.
final class ZipContainerTests: XCTestCase {
    private func sample(sectorSize: Int = 4096) throws -> SampleRawProgramSet {
        try SampleRawProgramSet.generate(in: URL(fileURLWithPath: try Fixtures.temporaryDirectory()), seed: 3, sectorSize: sectorSize)
    }

    func testZippedSetsFlashLikeTheFolder() throws {
        let sample = try sample()
        for compressed in [true, false] {
            let zip = URL(fileURLWithPath: try Fixtures.temporaryDirectory() + "/set.zip")
            try sample.zip(to: zip, compressed: compressed)
            let set = try RawProgramSet.load(from: zip)
            XCTAssertTrue(set.container is ZipContainer)
            XCTAssertEqual(set.rawProgramFiles, ["rawprogram0.xml", "rawprogram1.xml"])
            var luns = InMemoryLUNs(sizes: [0: sample.luns[0].diskSectors, 1: sample.luns[1].diskSectors], sectorSize: 4096)
            try luns.flash(set)
            let modem = try XCTUnwrap(sample.image(labeled: "modem"))
            XCTAssertEqual(SHA256.hash(luns.sectors(0, modem.firstSector, Int(modem.byteCount) / 4096)), modem.sha256, "compressed: \(compressed)")
            XCTAssertNotNil(try set.sparseImage(for: set.program(labeled: "modem")!), "the sparse image is read from inside the zip")
            XCTAssertEqual(try luns.tables(1).primary.partitions.map(\.name), ["fsg1", "spare1"])
        }
    }

    func testMembersReadAtAnyOffsetAndInAnyOrder() throws {
        let sample = try sample()
        let zip = URL(fileURLWithPath: try Fixtures.temporaryDirectory() + "/set.zip")
        try sample.zip(to: zip)
        let container = try ZipContainer(url: zip)
        let expected = try [UInt8](Data(contentsOf: sample.folder.appendingPathComponent("boot.img")))
        let source = try container.source(of: "boot.img")
        XCTAssertEqual(source.count, UInt64(expected.count))
        XCTAssertFalse(String(describing: type(of: source)).contains("FileByteSource"), "boot.img is deflated in this zip")
        var random = SplitMix64(seed: 11)
        for _ in 0..<60 {
            let offset = Int.random(in: 0..<expected.count, using: &random)
            let length = Int.random(in: 1...70_000, using: &random)
            XCTAssertEqual(try source.read(offset: UInt64(offset), length: length),
                           Array(expected[offset..<min(expected.count, offset + length)]), "offset \(offset) length \(length)")
        }
        XCTAssertEqual(try source.read(offset: UInt64(expected.count), length: 1), [])
    }

    /// Info-ZIP's zip (with a top folder, as vendors ship sets) reads the same.
    func testInfoZipArchivesWithAFolderInside() throws {
        guard let zipTool = which("zip") else { throw XCTSkip("zip missing: scripts/setup.sh installs it") }
        let sample = try sample(sectorSize: 512)
        let top = URL(fileURLWithPath: try Fixtures.temporaryDirectory())
        let inner = top.appendingPathComponent("MF286D_firmware")
        try FileManager.default.copyItem(at: sample.folder, to: inner)
        let result = try runProcess(zipTool, ["-q", "-r", "set.zip", "MF286D_firmware"], workingDirectory: top.path)
        XCTAssertEqual(result.status, 0, result.standardError)
        let set = try RawProgramSet.load(from: top.appendingPathComponent("set.zip"))
        XCTAssertEqual(set.baseFolder, "MF286D_firmware")
        XCTAssertEqual(set.rawProgramFiles, ["MF286D_firmware/rawprogram0.xml", "MF286D_firmware/rawprogram1.xml"])
        var luns = InMemoryLUNs(sizes: [0: sample.luns[0].diskSectors, 1: sample.luns[1].diskSectors], sectorSize: 512)
        try luns.flash(set)
        let boot = try XCTUnwrap(sample.image(labeled: "boot"))
        XCTAssertEqual(SHA256.hash(luns.sectors(0, boot.firstSector, Int(boot.byteCount) / 512)), boot.sha256)
    }

    /// `zip -fz` writes ZIP64 extra fields (sizes of 0xFFFFFFFF in the directory) and a ZIP64 end record.
    func testZip64Archives() throws {
        guard let zipTool = which("zip") else { throw XCTSkip("zip missing: scripts/setup.sh installs it") }
        let sample = try sample()
        let result = try runProcess(zipTool, ["-q", "-fz", "-r", "../set64.zip", "."], workingDirectory: sample.folder.path)
        XCTAssertEqual(result.status, 0, result.standardError)
        let url = sample.folder.deletingLastPathComponent().appendingPathComponent("set64.zip")
        let raw = try [UInt8](Data(contentsOf: url))
        XCTAssertTrue((0..<raw.count - 4).contains { raw[$0..<$0 + 4] == [0x50, 0x4B, 0x06, 0x06] }, "a ZIP64 end record is present")
        let container = try ZipContainer(url: url)
        let boot = try XCTUnwrap(container.members.first { $0.name == "boot.img" })
        XCTAssertEqual(boot.uncompressedSize, 200 << 10, "the real size comes from the ZIP64 extra field")
        var luns = InMemoryLUNs(sizes: [0: sample.luns[0].diskSectors, 1: sample.luns[1].diskSectors], sectorSize: 4096)
        try luns.flash(try RawProgramSet.load(from: url))
        let image = try XCTUnwrap(sample.image(labeled: "boot"))
        XCTAssertEqual(SHA256.hash(luns.sectors(0, image.firstSector, Int(image.byteCount) / 4096)), image.sha256)
    }

    func testDamagedArchivesNameTheMember() throws {
        let sample = try sample()
        let folder = try Fixtures.temporaryDirectory()
        let zip = URL(fileURLWithPath: folder + "/set.zip")
        try sample.zip(to: zip)
        let bytes = try [UInt8](Data(contentsOf: zip))
        let archive = try XCTUnwrap(Archive(url: zip, accessMode: .read))
        let boot = try XCTUnwrap(archive["boot.img"])
        let container = try ZipContainer(url: zip)
        let member = try XCTUnwrap(container.members.first { $0.name == "boot.img" })
        XCTAssertEqual(member.crc32, boot.checksum)
        XCTAssertEqual(member.compressedSize, boot.compressedSize)

        var damaged = bytes
        let dataStart = Int(member.localHeaderOffset) + 30 + "boot.img".utf8.count
        for index in stride(from: dataStart + 100, to: dataStart + Int(member.compressedSize) - 100, by: 997) { damaged[index] ^= 0x55 }
        let damagedURL = URL(fileURLWithPath: folder + "/damaged.zip")
        try Data(damaged).write(to: damagedURL)
        let source = try ZipContainer(url: damagedURL).source(of: "boot.img")
        XCTAssertThrowsError(try source.read(offset: 0, length: Int(source.count))) { error in
            XCTAssertEqual((error as? ZipError)?.member, "boot.img", "\(error)")
        }

        var wrongCRC = bytes
        let name = Array("boot.img".utf8)
        let entry = try XCTUnwrap((0..<bytes.count - 54).first { index in
            bytes[index..<index + 4] == [0x50, 0x4B, 0x01, 0x02] && Array(bytes[index + 46..<index + 46 + name.count]) == name
        })
        wrongCRC[entry + 16] ^= 0x01
        try Data(wrongCRC).write(to: damagedURL)
        let intactData = try ZipContainer(url: damagedURL).source(of: "boot.img")
        XCTAssertThrowsError(try intactData.read(offset: 0, length: Int(intactData.count))) { error in
            XCTAssertTrue("\(error)".contains("member boot.img: CRC-32 of the expanded member is"), "\(error)")
        }

        try Data(bytes.prefix(bytes.count / 2)).write(to: damagedURL)
        XCTAssertThrowsError(try ZipContainer(url: damagedURL)) { error in
            XCTAssertTrue("\(error)".contains("end-of-central-directory"), "\(error)")
        }
        try Data("not a zip at all".utf8).write(to: damagedURL)
        XCTAssertThrowsError(try RawProgramSet.load(from: damagedURL)) { error in
            XCTAssertTrue(error is ZipError, "\(error)")
            XCTAssertNotNil((error as? ZipError)?.advice)
        }
    }
}
