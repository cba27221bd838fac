import TermflashCore
import TermflashImages
import XCTest

/// GPT building and parsing, with the CRC checks that guard a table read from a device.
final class GPTTests: XCTestCase {
    private static let linuxData = GUID("0FC63DAF-8483-4772-8E79-3D69D8477DE4")!
    private static let modemType = GUID("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7")!

    private func builder(sectorSize: Int, diskSectors: UInt64) -> GPTBuilder {
        var random = SplitMix64(seed: 7)
        return GPTBuilder(sectorSize: sectorSize, diskSectors: diskSectors, diskGUID: .random(using: &random), partitions: [
            .init(name: "sbl1", typeGUID: Self.modemType, uniqueGUID: .random(using: &random), sectors: 8),
            .init(name: "modem", typeGUID: Self.modemType, uniqueGUID: .random(using: &random), sectors: 100, attributes: 1 << 60),
            .init(name: "userdata", typeGUID: Self.linuxData, uniqueGUID: .random(using: &random), sectors: nil),
        ])
    }

    func testBuiltTablesParseBackFromBothCopies() throws {
        for (sectorSize, diskSectors, firstUsable) in [(512, 4096, 34), (4096, 512, 6)] as [(Int, UInt64, UInt64)] {
            let image: GPTImage = try builder(sectorSize: sectorSize, diskSectors: diskSectors).build()
            let primaryBytes: [UInt8] = image.primary
            XCTAssertEqual(image.primary.count, Int(firstUsable) * sectorSize)
            XCTAssertTrue(ProtectiveMBR.isProtective(Array(image.primary[0..<512])))
            let primary: GPT = try GPT.parse(lba1: Array(primaryBytes[sectorSize..<2 * sectorSize]),
                                             entries: Array(primaryBytes[(2 * sectorSize)...]), sectorSize: sectorSize)
            XCTAssertEqual(primary.header.firstUsableLBA, firstUsable)
            XCTAssertEqual(primary.header.alternateLBA, diskSectors - 1)
            XCTAssertEqual(primary.partitions.map(\.name), ["sbl1", "modem", "userdata"])
            XCTAssertEqual(primary.partitions.map(\.firstLBA), [firstUsable, firstUsable + 8, firstUsable + 108])
            XCTAssertEqual(primary.partitions[2].lastLBA, diskSectors - firstUsable, "grows to the last usable LBA")
            XCTAssertEqual(primary.partitions[1].attributes, 1 << 60)
            XCTAssertEqual(primary.partitions[1].typeGUID.description, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7")

            XCTAssertEqual(image.backupStartLBA + UInt64(image.backup.count / sectorSize), diskSectors, "backup ends at the last LBA")
            let backup: GPT = try GPT.parse(lba1: Array(image.backup.suffix(sectorSize)),
                                       entries: Array(image.backup.dropLast(sectorSize)), sectorSize: sectorSize)
            XCTAssertEqual(backup.header.myLBA, diskSectors - 1)
            XCTAssertEqual(backup.header.alternateLBA, 1)
            XCTAssertEqual(backup.header.partitionEntryLBA, image.backupStartLBA)
            XCTAssertEqual(backup.partitions, primary.partitions)
            XCTAssertEqual(primary, image.table)
        }
    }

    func testDamageIsNamedByField() throws {
        let image = try builder(sectorSize: 512, diskSectors: 4096).build()
        let header = Array(image.primary[512..<1024])
        let entries = Array(image.primary[1024...])

        var badSignature = header
        badSignature[0] = 0x46
        XCTAssertThrowsError(try GPT.parse(lba1: badSignature, entries: entries, sectorSize: 512)) { error in
            XCTAssertEqual((error as? GPTError)?.field, "Signature")
        }
        var badHeader = header
        badHeader[40] ^= 1
        XCTAssertThrowsError(try GPT.parse(lba1: badHeader, entries: entries, sectorSize: 512)) { error in
            XCTAssertEqual((error as? GPTError)?.field, "HeaderCRC32")
            XCTAssertTrue("\(error)".contains("header's bytes give"), "\(error)")
        }
        var badEntries = entries
        badEntries[128 + 40] ^= 0x80
        XCTAssertThrowsError(try GPT.parse(lba1: header, entries: badEntries, sectorSize: 512)) { error in
            XCTAssertEqual((error as? GPTError)?.field, "PartitionEntryArrayCRC32")
        }
        XCTAssertThrowsError(try GPT.parse(lba1: header, entries: Array(entries.prefix(4096)), sectorSize: 512)) { error in
            XCTAssertEqual((error as? GPTError)?.field, "PartitionEntryArray")
            XCTAssertTrue("\(error)".contains("needs 16384 bytes"), "\(error)")
        }
        XCTAssertThrowsError(try GPT.parse(lba1: [UInt8](repeating: 0, count: 512), entries: entries, sectorSize: 512))
    }

    func testEntriesOutsideTheUsableRangeAreRefused() throws {
        let image = try builder(sectorSize: 512, diskSectors: 4096).build()
        var entries = Array(image.primary[1024...])
        entries.replaceSubrange(128 + 40..<128 + 48, with: [0xFF, 0xFF, 0, 0, 0, 0, 0, 0])
        var header = try GPTHeader.parse(Array(image.primary[512..<1024]))
        header.partitionEntryArrayCRC32 = CRC32.checksum(entries)
        XCTAssertThrowsError(try GPT.parse(lba1: header.encoded(sectorSize: 512), entries: entries, sectorSize: 512)) { error in
            XCTAssertEqual((error as? GPTError)?.field, "entry 1 (modem) StartingLBA/EndingLBA")
        }
    }

    func testLayoutsThatDoNotFitAreRefused() {
        var builder = builder(sectorSize: 512, diskSectors: 150)
        XCTAssertThrowsError(try builder.build()) { error in
            XCTAssertTrue((error as? GPTError)?.field.contains("modem") == true, "\(error)")
        }
        builder.diskSectors = 60
        XCTAssertThrowsError(try builder.build()) { error in
            XCTAssertEqual((error as? GPTError)?.field, "disk size")
        }
        builder.diskSectors = 4096
        builder.partitions[0].sectors = nil
        XCTAssertThrowsError(try builder.build(), "only the last partition may grow")
        builder.partitions[0].sectors = 8
        builder.partitions[0].name = String(repeating: "x", count: 37)
        XCTAssertThrowsError(try builder.build()) { error in
            XCTAssertEqual((error as? GPTError)?.field, "entry 0 PartitionName")
        }
    }
}
