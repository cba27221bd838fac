import Foundation
import TermflashCore
import TermflashDelta
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// `flash --delta` through a U-Boot console (pty, real serial transport, XMODEM) onto the
/// simulated board's NAND: `crc32` confirms the source, only the erase blocks holding
/// changes are erased and written (the store counts sectors), `crc32` verifies the result.
final class UBootDeltaFlashTests: XCTestCase {
    func testOnlyChangedEraseBlocksAreWritten() throws {
        let eraseBlock = 0x4000
        let board = try SimulatedBoard(chips: [UBootSimulator.Chip(kind: .nand, lun: 0, eraseBlockSize: eraseBlock)], sizes: [0x100000])
        var random = SplitMix64(seed: 41)
        let old = (0..<0x40000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var new = old
        for offset in [0x1234, 0x1F000, 0x3FFF0] { new[offset] ^= 0x3C }
        try board.simulator.store.write(lun: 0, offset: 0x40000, bytes: old)
        board.simulator.store.resetCounters()
        let folder = board.folder
        try Data(old).write(to: URL(fileURLWithPath: folder + "/old.bin"))
        try Data(new).write(to: URL(fileURLWithPath: folder + "/new.bin"))
        try DeltaFiles.create(old: folder + "/old.bin", new: folder + "/new.bin", patch: folder + "/p.delta")

        let console = try board.connect()
        try console.attach()
        let target = UBootFlashTarget(console: console, chips: [UBootChip(kind: .nand, eraseBlockSize: eraseBlock)], partitions: [],
                                      window: UBootRAMWindow(loadAddress: 0x4020_0000, size: 0x10000), upload: .xmodem1K)
        let region = FlashRegion(partition: "firmware", offset: 0x40000, length: 0x40000)
        let report = try DifferentialFlasher(target: target, region: region, patch: folder + "/p.delta",
                                             base: folder + "/old.bin", workDirectory: folder).run()
        XCTAssertEqual(report.sourceConfirmedBy, "device crc32")
        XCTAssertEqual(report.verifiedBy, "device crc32")
        XCTAssertEqual(report.blockSize, eraseBlock)
        XCTAssertEqual(report.blocksWritten, 3)
        XCTAssertEqual(report.bytesSent, UInt64(3 * eraseBlock))
        XCTAssertEqual(board.simulator.store.sectorsWritten, 3 * eraseBlock / 512, "three erase blocks on the simulated NAND")
        XCTAssertEqual(try board.simulator.store.read(lun: 0, offset: 0x40000, length: 0x40000), new)
    }
}
