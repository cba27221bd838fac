import Foundation
import TermflashCore
import TermflashHardware
import TermflashProtocols
import TestSupport
import XCTest

/// The console driver and flash target against a real U-Boot (2023.01) under qemu.
final class QemuUBootTests: XCTestCase {
    func testFlashesInChunksVerifiesAndPersistsOnTheDisk() throws {
        let qemu = try QemuUBoot()
        defer { qemu.stop() }
        let transport = try SerialTransport(node: qemu.consolePath)
        defer { transport.close() }
        let console = UBootConsole(transport: transport, settings: .init(prompt: "=> ", attachTimeoutSeconds: 30))
        try console.attach()
        XCTAssertTrue(try console.run("version").first?.hasPrefix("U-Boot 2023.01") == true)
        let window = UBootRAMWindow(loadAddress: 0x4020_0000, size: 0x10000)
        let target = UBootFlashTarget(console: console, chips: [UBootChip(kind: .virtio)], partitions: [], window: window, upload: .xmodem1K)
        let image = uBootTestImage(40000)
        let region = FlashRegion(partition: "firmware", offset: 0x20000, length: UInt64(image.count))
        try target.write(region, from: MemoryByteSource(image), progress: nil)
        XCTAssertNil(try console.digestCommand(scratchAddress: 0x4020_0000),
                     "Debian's qemu_arm build has no md5sum, sha1sum or hash: crc32 alone checks its chunks")
        XCTAssertEqual(try console.query("help md5sum").first,
                       "Unknown command 'md5sum' - try 'help' without arguments for list of all known commands")
        let crc = CRC32.checksum(image)
        XCTAssertEqual(try target.digest(region, kind: .crc32), [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: crc >> $0) })
        var dumped: [UInt8] = []
        try target.read(FlashRegion(offset: 0x20000, length: 0x600), into: { dumped += $0 }, progress: nil)
        XCTAssertEqual(dumped, Array(image.prefix(0x600)))
        XCTAssertThrowsError(try console.run("nand info")) { error in
            XCTAssertTrue("\(error)".contains("Unknown command 'nand'"), "\(error)")
        }
        qemu.stop()
        XCTAssertEqual(try qemu.disk(offset: 0x20000, length: image.count), image, "the disk image holds the flashed bytes")
    }

    func testYModemUploadSurvivesTheLateStartRequest() throws {
        let qemu = try QemuUBoot()
        defer { qemu.stop() }
        let transport = try SerialTransport(node: qemu.consolePath)
        defer { transport.close() }
        let console = UBootConsole(transport: transport, settings: .init(prompt: "=> ", attachTimeoutSeconds: 30))
        try console.attach()
        let image = uBootTestImage(3000)
        XCTAssertEqual(try console.upload(MemoryByteSource(image), variant: .ymodem, to: 0x4020_0000), 3000)
        XCTAssertEqual(try console.crc32(address: 0x4020_0000, length: 3000), CRC32.checksum(image))
        XCTAssertEqual(try console.run("printenv filesize"), ["filesize=bb8"])
    }
}
