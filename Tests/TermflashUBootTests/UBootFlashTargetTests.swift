import Foundation
import TermflashCore
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// Flash plans and the U-Boot flash target against the simulated board over a pty.
final class UBootFlashTargetTests: XCTestCase {
    let window = UBootRAMWindow(loadAddress: 0x4020_0000, size: 0x10000)  // 32 KiB chunks

    func testCRC32CombineMatchesTheWholeBuffer() {
        let data = pattern(100_003, seed: 3)
        for split in [0, 1, 4096, 50_000, 100_003] {
            let first = CRC32.checksum(Array(data[..<split])), second = CRC32.checksum(Array(data[split...]))
            XCTAssertEqual(CRC32.combine(first, second, lengthB: UInt64(data.count - split)), CRC32.checksum(data), "split \(split)")
        }
    }

    func testWritePlanSplitsIntoChunksThatFitTheWindow() throws {
        let planner = UBootFlashPlanner(chip: UBootChip(kind: .nand, eraseBlockSize: 0x4000), window: window, upload: .xmodem1K)
        let lines = try planner.write(offset: 0x20000, length: 0x9000).map(\.description)
        XCTAssertEqual(lines.filter { $0.hasPrefix("loadx 0x40200000") }.count, 2)
        XCTAssertEqual(Array(lines.prefix(6)), [
            "loadx 0x40200000   # xmodem-1k upload of image bytes 0+32768",
            "crc32 0x40200000 0x8000   # must equal the host's CRC-32 (upload of bytes 0+32768)",
            "nand erase 0x20000 0x8000",
            "nand write 0x40200000 0x20000 0x8000",
            "nand read 0x40208000 0x20000 0x8000",
            "crc32 0x40208000 0x8000   # must equal the host's CRC-32 (flash at 0x20000)",
        ])
        XCTAssertEqual(lines[8], "nand erase 0x28000 0x4000")
        XCTAssertEqual(lines[6], "loadx 0x40200000   # xmodem-1k upload of image bytes 32768+4096 padded to 16384")
        XCTAssertThrowsError(try planner.write(offset: 0x2000, length: 10)) { error in
            XCTAssertEqual("\(error)", "offset 0x2000 is not a multiple of the nand unit 0x4000")
        }
        let tiny = UBootFlashPlanner(chip: UBootChip(kind: .spiNOR), window: UBootRAMWindow(loadAddress: 0, size: 0x10000))
        XCTAssertThrowsError(try tiny.write(offset: 0, length: 1)) { error in
            XCTAssertEqual(error as? UBootPlanError, .windowTooSmall(window: 0x10000, unit: 0x10000))
        }
    }

    func testNANDWriteReadAndDigestThroughTheConsole() throws {
        let board = try SimulatedBoard(chips: [UBootSimulator.Chip(kind: .nand, lun: 0, eraseBlockSize: 0x4000)])
        let target = try makeTarget(board, chips: [UBootChip(kind: .nand, eraseBlockSize: 0x4000)])
        let image = pattern(0x9000 + 123, seed: 11)
        let region = FlashRegion(partition: "firmware", offset: 0x40000, length: UInt64(image.count))
        var progress: [UInt64] = []
        try target.write(region, from: MemoryByteSource(image), progress: { done, _ in progress.append(done) })
        XCTAssertEqual(try board.simulator.store.read(lun: 0, offset: 0x40000, length: image.count), image)
        XCTAssertEqual(try board.simulator.store.read(lun: 0, offset: 0x40000 + UInt64(image.count), length: 4), [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(progress.last, UInt64(image.count))
        XCTAssertEqual(try target.digest(region, kind: .crc32), bigEndian(CRC32.checksum(image)))
        var backup: [UInt8] = []
        let small = FlashRegion(partition: "firmware", offset: 0x40000, length: 0x1100)
        try target.read(small, into: { backup += $0 }, progress: nil)
        XCTAssertEqual(backup, Array(image.prefix(0x1100)))
        XCTAssertEqual(board.simulator.commandLog.filter { $0.hasPrefix("md.b") }, ["md.b 0x40200000 0x1000", "md.b 0x40201000 0x100"])
    }

    func testSPINORAndVirtioChips() throws {
        let board = try SimulatedBoard(chips: [UBootSimulator.Chip(kind: .spiNOR, lun: 0, eraseBlockSize: 0x1000),
                                               UBootSimulator.Chip(kind: .virtio, lun: 1)], sizes: [0x100000, 0x100000])
        let target = try makeTarget(board, chips: [UBootChip(kind: .spiNOR, eraseBlockSize: 0x1000), UBootChip(kind: .virtio)])
        let image = pattern(5000, seed: 5)
        try target.write(FlashRegion(partition: "a", lun: 0, offset: 0x3000, length: 5000), from: MemoryByteSource(image), progress: nil)
        try target.write(FlashRegion(partition: "b", lun: 1, offset: 0x200, length: 5000), from: MemoryByteSource(image), progress: nil)
        XCTAssertEqual(try board.simulator.store.read(lun: 0, offset: 0x3000, length: 5000), image)
        XCTAssertEqual(try board.simulator.store.read(lun: 1, offset: 0x200, length: 5000), image)
        XCTAssertEqual(board.simulator.commandLog.filter { $0 == "sf probe" }.count, 1)
        XCTAssertTrue(board.simulator.commandLog.contains("virtio write 0x40200000 0x1 0xa"))
        try target.erase(FlashRegion(partition: "b", lun: 1, offset: 0x200, length: 512))
        XCTAssertEqual(try board.simulator.store.read(lun: 1, offset: 0x200, length: 512), [UInt8](repeating: 0, count: 512))
    }

    func testCorruptedFlashWriteStopsWithTheBytesKnownToBeGood() throws {
        var configuration = UBootSimulator.Configuration()
        configuration.corruptWriteAt = 0x40000 + 0x8000 + 10  // in the second chunk
        configuration.missingCommands = ["sha1sum", "md5sum", "hash"]  // a build with crc32 alone
        let board = try SimulatedBoard(configuration: configuration, chips: [UBootSimulator.Chip(kind: .nand, lun: 0, eraseBlockSize: 0x4000)])
        let target = try makeTarget(board, chips: [UBootChip(kind: .nand, eraseBlockSize: 0x4000)])
        let image = pattern(0x10000, seed: 2)
        let region = FlashRegion(partition: "firmware", offset: 0x40000, length: UInt64(image.count))
        XCTAssertThrowsError(try target.write(region, from: MemoryByteSource(image), progress: nil)) { error in
            guard case let FlashTargetError.interrupted(_, written, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(written, 0x8000)
            XCTAssertTrue(reason.contains("flash at 0x48000: the device computed crc32"), reason)
        }
        XCTAssertFalse(board.simulator.commandLog.contains { $0.contains("0x50000") }, "nothing after the bad chunk was written")
    }

    func testBadBlockStopsTheWrite() throws {
        var configuration = UBootSimulator.Configuration()
        configuration.badBlocks = [0x44000]
        let board = try SimulatedBoard(configuration: configuration, chips: [UBootSimulator.Chip(kind: .nand, lun: 0, eraseBlockSize: 0x4000)])
        let target = try makeTarget(board, chips: [UBootChip(kind: .nand, eraseBlockSize: 0x4000)])
        XCTAssertThrowsError(try target.write(FlashRegion(offset: 0x40000, length: 0x6000), from: MemoryByteSource(pattern(0x6000)), progress: nil)) { error in
            guard case let FlashTargetError.refused(command, reason, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(command, "nand erase 0x40000 0x8000")
            XCTAssertTrue(reason.contains("Skipping bad block"), reason)
        }
    }

    private func makeTarget(_ board: SimulatedBoard, chips: [UBootChip]) throws -> UBootFlashTarget {
        let console = try board.connect()
        try console.attach()
        return UBootFlashTarget(console: console, chips: chips, partitions: [], window: window, upload: .xmodem1K)
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
    }
}
