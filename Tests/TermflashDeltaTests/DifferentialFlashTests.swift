import Foundation
import TermflashCore
import TermflashDelta
import TermflashHardware
import TermflashSimulator
import TestSupport
import XCTest

/// `flash --delta` onto simulated storage and a disk image: only changed blocks are
/// written (the store counts them), the source is confirmed first, the result verified.
final class DifferentialFlashTests: XCTestCase {
    private let sector = 512
    private let partitionBytes = 1 << 20
    private var folder = ""
    private var old: [UInt8] = []
    private var new: [UInt8] = []
    private var changedBlocks: Set<Int> = []

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
        var random = SplitMix64(seed: 11)
        old = (0..<partitionBytes).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        new = old
        let blocks = partitionBytes / 4096
        while changedBlocks.count < blocks / 10 { changedBlocks.insert(Int(random.next() % UInt64(blocks))) }
        for block in changedBlocks {
            for index in 0..<40 { new[block * 4096 + Int(random.next() % 4096)] = UInt8(truncatingIfNeeded: index &+ 1) &+ new[block * 4096 + index] }
        }
        changedBlocks = Set((0..<blocks).filter { new[$0 * 4096..<($0 + 1) * 4096] != old[$0 * 4096..<($0 + 1) * 4096] })
        try Data(old).write(to: URL(fileURLWithPath: folder + "/old.bin"))
        try Data(new).write(to: URL(fileURLWithPath: folder + "/new.bin"))
        try DeltaFiles.create(old: folder + "/old.bin", new: folder + "/new.bin", patch: folder + "/patch.delta")
    }

    /// A store with `old` in partition "system" at 64 KiB.
    private func makeTarget(digests: [DeviceDigestKind], holding content: [UInt8]? = nil) throws -> StoreFlashTarget {
        let store = try FlashStore(paths: [folder + "/lun0.bin"], sizes: [UInt64(partitionBytes + (128 << 10))], sectorSize: sector)
        try store.write(lun: 0, offset: 64 << 10, bytes: content ?? old)
        store.resetCounters()
        let region = FlashRegion(partition: "system", offset: 64 << 10, length: UInt64(partitionBytes))
        return StoreFlashTarget(store: store, partitions: [region], digests: digests)
    }

    private func flash(_ target: FlashTarget, base: String?) throws -> DifferentialFlashReport {
        let region = try target.partitions()[0]
        return try DifferentialFlasher(target: target, region: region, patch: folder + "/patch.delta", base: base, workDirectory: folder).run()
    }

    private func check(_ report: DifferentialFlashReport, store: FlashStore, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try store.read(lun: 0, offset: 64 << 10, length: partitionBytes), new, file: file, line: line)
        XCTAssertEqual(report.blocksWritten, changedBlocks.count, file: file, line: line)
        XCTAssertEqual(report.blocksTotal, partitionBytes / 4096, file: file, line: line)
        XCTAssertEqual(store.sectorsWritten, changedBlocks.count * 4096 / sector, "only the changed blocks' sectors", file: file, line: line)
        XCTAssertEqual(report.bytesSent, UInt64(changedBlocks.count * 4096), file: file, line: line)
        XCTAssertLessThanOrEqual(Double(report.bytesSent), 0.15 * Double(report.fullFlashBytes), file: file, line: line)
        XCTAssertEqual(try store.read(lun: 0, offset: 0, length: 64 << 10), [UInt8](repeating: 0, count: 64 << 10), "bytes before the partition", file: file, line: line)
    }

    func testDeviceSHA256ConfirmsTheSourceWhenTheBaseIsOnTheHost() throws {
        let target = try makeTarget(digests: [.sha256])
        let report = try flash(target, base: folder + "/old.bin")
        try check(report, store: target.store)
        XCTAssertEqual(report.sourceConfirmedBy, "device sha256")
        XCTAssertEqual(report.verifiedBy, "device sha256")
        XCTAssertEqual(report.bytesReadBack, 0)
    }

    func testDeviceCRC32ConfirmsTheSourceLikeUBoot() throws {
        let target = try makeTarget(digests: [.crc32])
        let report = try flash(target, base: folder + "/old.bin")
        try check(report, store: target.store)
        XCTAssertEqual(report.sourceConfirmedBy, "device crc32")
        XCTAssertEqual(report.verifiedBy, "device crc32")
    }

    func testWithoutABaseThePartitionIsReadBack() throws {
        let target = try makeTarget(digests: [])
        let report = try flash(target, base: nil)
        try check(report, store: target.store)
        XCTAssertEqual(report.sourceConfirmedBy, "read-back")
        XCTAssertEqual(report.bytesReadBack, UInt64(partitionBytes))
        XCTAssertEqual(report.verifiedBy, "read-back")
    }

    func testAUnitHoldingOtherFirmwareIsNotTouched() throws {
        var other = old
        other[5000] ^= 0xFF
        for digests: [DeviceDigestKind] in [[.sha256], [.crc32], []] {
            let target = try makeTarget(digests: digests, holding: other)
            XCTAssertThrowsError(try flash(target, base: digests.isEmpty ? nil : folder + "/old.bin")) { error in
                XCTAssertTrue("\(error)".contains("does not hold the patch's source"), "\(error)")
            }
            XCTAssertEqual(target.store.sectorsWritten, 0)
            XCTAssertEqual(try target.store.read(lun: 0, offset: 64 << 10, length: partitionBytes), other)
        }
    }

    func testABadBlockIsCaughtByTheFinalDigest() throws {
        let target = try makeTarget(digests: [.sha256])
        target.corruptWritesTo = "system"
        XCTAssertThrowsError(try flash(target, base: folder + "/old.bin")) { error in
            XCTAssertTrue("\(error)".contains("does not hold the patch's target after writing"), "\(error)")
        }
    }

    func testDiskImageTarget() throws {
        let disk = folder + "/disk.img"
        try Data([UInt8](repeating: 0xEE, count: 4096) + old + [UInt8](repeating: 0xEE, count: 4096)).write(to: URL(fileURLWithPath: disk))
        let region = FlashRegion(partition: "system", offset: 4096, length: UInt64(partitionBytes))
        let target = try DiskFlashTarget(path: disk, partitions: [region])
        let report = try flash(target, base: nil)
        XCTAssertEqual(report.blocksWritten, changedBlocks.count)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: disk)))
        XCTAssertTrue(Array(bytes[4096..<(4096 + partitionBytes)]) == new)
        XCTAssertEqual(Array(bytes.suffix(4096)), [UInt8](repeating: 0xEE, count: 4096))
    }
}
