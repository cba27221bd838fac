import Foundation
import TermflashCore
import TermflashCrypto
import TermflashDelta
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// `flash --delta` through Sahara and Firehose onto the EDL simulator: the source is
/// confirmed by `getsha256digest`, only changed sectors are programmed (the simulator
/// counts programmed bytes), and the result is checked by the device's digest again.
final class EDLDeltaFlashTests: XCTestCase {
    func testOnlyChangedBlocksAreProgrammed() throws {
        let folder = try Fixtures.temporaryDirectory()
        let storage = try EDLStorage(path: folder + "/storage.bin", lunCount: 1, lunBytes: 2 << 20, sectorSize: 512)
        var random = SplitMix64(seed: 31)
        let old = (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var new = old
        let changed: Set<Int> = [3, 40, 41, 100, 200, 255]
        for block in changed { new[block * 4096 + 17] ^= 0xA5 }
        try storage.write(lun: 0, offset: 0x8000, bytes: old)
        try Data(old).write(to: URL(fileURLWithPath: folder + "/old.bin"))
        try Data(new).write(to: URL(fileURLWithPath: folder + "/new.bin"))
        try DeltaFiles.create(old: folder + "/old.bin", new: folder + "/new.bin", patch: folder + "/p.delta")

        let unit = InProcessEDL(storage: storage, bufferBytes: 1 << 20)
        defer { _ = unit.shutdown() }
        _ = try SaharaHost(transport: unit.host).upload(images: [13: MemoryByteSource(EDLProgrammerImage.make())])
        let firehose = FirehoseHost(transport: unit.host)
        _ = try firehose.configure()
        let target = FirehoseFlashTarget(host: firehose, sectorSize: 512, name: "firehose")
        let region = FlashRegion(partition: "system", lun: 0, offset: 0x8000, length: 1 << 20)
        let before = unit.device.record.programBytes

        let report = try DifferentialFlasher(target: target, region: region, patch: folder + "/p.delta",
                                             base: folder + "/old.bin", workDirectory: folder).run()
        XCTAssertEqual(report.sourceConfirmedBy, "device sha256")
        XCTAssertEqual(report.verifiedBy, "device sha256")
        XCTAssertEqual(report.blocksWritten, changed.count)
        XCTAssertEqual(unit.device.record.programBytes - before, UInt64(changed.count * 4096), "the device programmed only the changed blocks")
        XCTAssertTrue(try storage.read(lun: 0, offset: 0x8000, length: 1 << 20) == new)
        XCTAssertEqual(try storage.read(lun: 0, offset: 0, length: 0x8000), [UInt8](repeating: 0, count: 0x8000))
    }
}
