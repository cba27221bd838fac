import Foundation
import TermflashCore
import TermflashCrypto
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// MD5 / SHA-1 checks of flashed chunks where the U-Boot build has `sha1sum`, `md5sum` or
/// `hash`, against the simulated board over a pty.
final class UBootDigestTests: XCTestCase {
    let window = UBootRAMWindow(loadAddress: 0x4020_0000, size: 0x10000)  // 32 KiB chunks
    let chip = UBootChip(kind: .nand, eraseBlockSize: 0x4000)
    let allDigests: Set<String> = ["sha1sum", "md5sum", "hash"]

    func testHostDigestsMatchTheStandardVectors() {
        XCTAssertEqual(MessageDigest.hash(.md5, Array("abc".utf8)).hexString, "900150983cd24fb0d6963f7d28e17f72")
        XCTAssertEqual(MessageDigest.hash(.sha1, Array("abc".utf8)).hexString, "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(MessageDigest.hash(.sha256, [UInt8]()).hexString, SHA256.hash([UInt8]()).hexString)
    }

    func testParsesEachOutputFormOfUBoot() {
        let md5 = UBootDigestCommand(command: "md5sum", algorithm: .md5)
        let sha1 = UBootDigestCommand(command: "sha1sum", algorithm: .sha1)
        let md5Line = "md5 for 82000000 ... 8200ffff ==> 0123456789abcdef0123456789abcdef"
        XCTAssertEqual(md5.parseDigest(["garbage", md5Line], address: 0x8200_0000, length: 0x10000)?.hexString,
                       "0123456789abcdef0123456789abcdef")
        XCTAssertNil(md5.parseDigest([md5Line], address: 0x8200_0000, length: 0x8000), "a different range is not this answer")
        XCTAssertNil(sha1.parseDigest([md5Line], address: 0x8200_0000, length: 0x10000), "an MD5 line is no SHA-1")
        let vendorSHA1 = "SHA1 for 84000000 ... 84000fff ==> a9993e364706816aba3e25717850c26c9cd0d89d"
        XCTAssertEqual(sha1.parseDigest([vendorSHA1], address: 0x8400_0000, length: 0x1000)?.count, 20)
        let wide = "sha1 for 0000000880000000 ... 000000088000000f ==> a9993e364706816aba3e25717850c26c9cd0d89d"
        XCTAssertNotNil(sha1.parseDigest([wide], address: 0x8_8000_0000, length: 16), "64-bit addresses print wider")
        XCTAssertNil(sha1.parseDigest(["sha1 for 84000000 ... 84000fff ==> a9993e36"], address: 0x8400_0000, length: 0x1000),
                     "a truncated digest is refused")
        XCTAssertEqual(UBootDigestCommand(command: "hash", algorithm: .md5).line(address: 0x4020_0000, length: 0x8000),
                       "hash md5 0x40200000 0x8000")
    }

    func testWriteChecksEveryChunkWithSHA1SumAfterOneProbe() throws {
        let (board, target) = try makeTarget(missing: [])
        let image = pattern(0x9000 + 77, seed: 21)
        try target.write(FlashRegion(partition: "firmware", offset: 0x40000, length: UInt64(image.count)),
                         from: MemoryByteSource(image), progress: nil)
        XCTAssertEqual(try board.simulator.store.read(lun: 0, offset: 0x40000, length: image.count), image)
        let log = board.simulator.commandLog
        XCTAssertEqual(log.filter { $0.hasPrefix("help") }, ["help sha1sum"], "probed once, stopped at the first found")
        XCTAssertEqual(log.filter { $0.hasPrefix("sha1sum") }, ["sha1sum 0x40208000 0x8000", "sha1sum 0x40208000 0x4000"])
        let digestAt = try XCTUnwrap(log.firstIndex(of: "sha1sum 0x40208000 0x8000"))
        XCTAssertEqual(log[digestAt - 1], "nand read 0x40208000 0x40000 0x8000")
        XCTAssertEqual(log[digestAt + 1], "crc32 0x40208000 0x8000", "crc32 still checks after the digest")
        try target.write(FlashRegion(partition: "firmware", offset: 0x60000, length: 100), from: MemoryByteSource(pattern(100)), progress: nil)
        XCTAssertEqual(board.simulator.commandLog.filter { $0.hasPrefix("help") }.count, 1, "the answer is kept for the session")
    }

    func testFallsBackToMD5SumThenHashThenCRC32Alone() throws {
        let image = pattern(0x5000, seed: 8)
        let cases: [(missing: Set<String>, digestLine: String?, probes: [String])] = [
            (["sha1sum"], "md5sum 0x40208000 0x8000", ["help sha1sum", "help md5sum"]),
            (["sha1sum", "md5sum"], "hash sha1 0x40208000 0x8000", ["help sha1sum", "help md5sum", "help hash"]),
            (allDigests, nil, ["help sha1sum", "help md5sum", "help hash"]),
        ]
        for (missing, digestLine, probes) in cases {
            let (board, target) = try makeTarget(missing: missing)
            try target.write(FlashRegion(offset: 0x40000, length: UInt64(image.count)), from: MemoryByteSource(image), progress: nil)
            XCTAssertEqual(try board.simulator.store.read(lun: 0, offset: 0x40000, length: image.count), image, "missing \(missing)")
            let log = board.simulator.commandLog
            XCTAssertEqual(log.filter { $0.hasPrefix("help") }, probes, "missing \(missing)")
            let digests = log.filter { ["md5sum", "sha1sum", "hash"].contains($0.split(separator: " ").first.map(String.init) ?? "") }
            XCTAssertEqual(digests.filter { !$0.hasSuffix(" 0x10") }, digestLine.map { [$0] } ?? [], "missing \(missing)")
            XCTAssertTrue(log.contains("crc32 0x40208000 0x8000"), "missing \(missing)")
        }
    }

    func testDigestMismatchNamesTheRangeBothDigestsAndWhatIsWritten() throws {
        var configuration = UBootSimulator.Configuration()
        configuration.corruptWriteAt = 0x40000 + 0x8000 + 10  // in the second chunk
        let (board, target) = try makeTarget(missing: ["sha1sum"], configuration: configuration)
        let image = pattern(0x10000, seed: 2)
        let region = FlashRegion(partition: "firmware", offset: 0x40000, length: UInt64(image.count))
        let chunk = Array(image[0x8000..<0x10000])
        var corrupted = chunk
        corrupted[10] ^= 0x01
        XCTAssertThrowsError(try target.write(region, from: MemoryByteSource(image), progress: nil)) { error in
            guard case let FlashTargetError.interrupted(_, written, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(written, 0x8000, "the first chunk is written and verified")
            XCTAssertEqual(reason, "flash 0x48000...0x4ffff: 'md5sum 0x40208000 0x8000' on the device gave MD5 "
                + MessageDigest.hash(.md5, corrupted).hexString + ", the host computed " + MessageDigest.hash(.md5, chunk).hexString)
            XCTAssertTrue("\(error)".contains("stopped after 32768 of 65536 bytes"), "\(error)")
        }
        XCTAssertEqual(board.simulator.commandLog.last, "md5sum 0x40208000 0x8000", "nothing ran after the failed check")
        XCTAssertFalse(board.simulator.commandLog.contains { $0.contains("0x50000") }, "nothing after the bad chunk was written")
    }

    private func makeTarget(missing: Set<String>, configuration: UBootSimulator.Configuration = UBootSimulator.Configuration()) throws
        -> (SimulatedBoard, UBootFlashTarget) {
        var configuration = configuration
        configuration.missingCommands = missing
        let board = try SimulatedBoard(configuration: configuration, chips: [UBootSimulator.Chip(kind: .nand, lun: 0, eraseBlockSize: 0x4000)])
        let console = try board.connect()
        try console.attach()
        return (board, UBootFlashTarget(console: console, chips: [chip], partitions: [], window: window, upload: .xmodem1K))
    }
}
