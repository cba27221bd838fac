import Foundation
import TermflashCore
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// DIAG → DLOAD → Streaming DLOAD against the in-process simulated NAND modem: what lands
/// on its flash, and how each injected fault surfaces.
final class QualcommHDLCEndToEndTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func fixture(_ name: String) throws -> [UInt8] {
        try Fixtures.bytes("nand-partition-tables/" + name)
    }

    /// A simulated MF825 (its real MIBIB) on a 256 MiB sparse NAND.
    private func mf825(mode: QualcommHDLCDevice.Mode = .diag, faults: HDLCDeviceFaults = HDLCDeviceFaults()) throws -> InProcessHDLCDevice {
        let store = try FlashStore(paths: [folder + "/nand.bin"], sizes: [256 << 20], sectorSize: 2048)
        let device = try QualcommHDLCDevice(store: store, table: try MIBIBPartitionTable(try fixture("pt-mf825-r.bin")),
                                            writeForm: try fixture("pt-mf825-w.bin"), mode: mode,
                                            nvItems: QualcommHDLCDevice.sampleNVItems, faults: faults)
        return InProcessHDLCDevice(device: device)
    }

    private func programmer() -> [UInt8] { (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) } }

    func testDIAGIdentityNVAndTheSwitchToDownload() throws {
        let simulator = try mf825()
        defer { simulator.shutdown() }
        let diag = DIAGSession(transport: simulator.host)
        let identity = try diag.identity()
        XCTAssertEqual(identity.extendedBuildID?.buildID, "BD_RUSMF823V1.0.0B05")
        XCTAssertEqual(identity.versionInfo?.versionDirectory, "M9615A")
        XCTAssertEqual(identity.firmwareBuild, "BD_RUSMF823V1.0.0B05")
        XCTAssertEqual(Array(try diag.readNV(item: 946).data.prefix(4)), [0x00, 0x00, 0x80, 0x00])
        XCTAssertEqual(Array(try diag.readNV(item: 946, index: 0).data.prefix(4)), [0x00, 0x00, 0x80, 0x00])
        XCTAssertThrowsError(try diag.readNV(item: 4000)) { error in
            XCTAssertTrue("\(error)".contains("never written"), "\(error)")
        }
        XCTAssertThrowsError(try diag.writeNV(item: 550, data: [1, 2, 3], allowList: [550], profile: "mf823")) { error in
            XCTAssertTrue("\(error)".contains("IMEI"), "\(error)")
            XCTAssertTrue("\(error)".contains("never writes identity items"), "\(error)")
        }
        XCTAssertThrowsError(try diag.writeNV(item: 441, data: [1], allowList: [], profile: "mf823")) { error in
            XCTAssertTrue("\(error)".contains("nvWriteAllowList of profile mf823"), "\(error)")
        }
        XCTAssertEqual(simulator.device.record.nvWrites, [], "refusals happen before anything is sent")
        XCTAssertThrowsError(try diag.writeNV(item: 441, data: [1], allowList: [441], profile: nil)) { error in
            XCTAssertTrue("\(error)".contains("SPC"), "a locked unit answers 0x42: \(error)")
        }
        try diag.sendSPC("000000")
        try diag.writeNV(item: 441, data: [0x01, 0x02], allowList: [441], profile: nil)
        XCTAssertEqual(Array(simulator.device.nvItems[441]?.prefix(2) ?? []), [0x01, 0x02])
        try diag.switchToDownload()
        let dload = DLoadSession(transport: simulator.host)
        try dload.nop()
        XCTAssertEqual(simulator.device.mode, .download)
        XCTAssertEqual(try dload.parameters().maxWriteSize, 1017)
    }

    func testFlashingAPartitionLandsOnNANDAndReadsBack() throws {
        let simulator = try mf825(mode: .download)
        defer { simulator.shutdown() }
        let dload = DLoadSession(transport: simulator.host)
        try dload.nop()
        try dload.upload(programmer: programmer(), to: 0x4170_0000)
        XCTAssertEqual(simulator.device.record.programmer, programmer(), "every WRITE32 block in order")
        let streaming = StreamingDLoadSession(transport: simulator.host)
        let hello = try streaming.hello()
        XCTAssertEqual(hello.windowSize, 8)
        try streaming.setSecurityMode()
        try streaming.sendPartitionTable(try fixture("pt-mf825-w.bin"), override: false)
        let target = StreamingDLoadFlashTarget(session: streaming, name: "simulated MF825")
        let partitions = try target.chipRegions()
        XCTAssertEqual(partitions.count, 19)
        let apps = try XCTUnwrap(partitions.first { $0.partition == "APPS" })
        XCTAssertEqual(apps.offset, 914 * 131_072)
        XCTAssertEqual(try target.partitions().first { $0.partition == "APPS" }, FlashRegion(partition: "APPS", offset: 0, length: 82 * 131_072),
                       "the engine sees partitions from their own start")
        let image = (0..<300_001).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ ($0 >> 9)) }
        try target.write(FlashRegion(partition: "APPS", offset: 0, length: UInt64(image.count)), from: MemoryByteSource(image), progress: nil)
        let onFlash = try simulator.device.store.read(lun: 0, offset: apps.offset, length: image.count)
        XCTAssertEqual(onFlash, image, "the image is on the NAND at APPS")
        XCTAssertEqual(try simulator.device.store.read(lun: 0, offset: apps.offset + UInt64(image.count), length: 4), [0xFF, 0xFF, 0xFF, 0xFF],
                       "the rest of the touched block is erased")
        var readBack: [UInt8] = []
        try target.read(FlashRegion(partition: "APPS", offset: 0, length: UInt64(image.count)), into: { readBack += $0 }, progress: nil)
        XCTAssertEqual(readBack, image)
        XCTAssertEqual(simulator.device.record.imagesClosed, ["APPS"])
        try target.finish(.reset)
        XCTAssertEqual(simulator.device.record.resets, 1)
    }

    func testADifferentPartitionTableNeedsTheOverride() throws {
        let simulator = try mf825(mode: .streaming)
        defer { simulator.shutdown() }
        let streaming = StreamingDLoadSession(transport: simulator.host)
        try streaming.hello()
        let other = try fixture("pt-mf667-w.bin")
        XCTAssertThrowsError(try streaming.sendPartitionTable(other, override: false)) { error in
            XCTAssertTrue("\(error)".contains("different partition table"), "\(error)")
        }
        try streaming.sendPartitionTable(other, override: true)
        XCTAssertEqual(simulator.device.writeFormTable, other)
    }

    func testACorruptedReplyCRCNamesExpectedAndActual() throws {
        var faults = HDLCDeviceFaults()
        faults.corruptCRCInReplies = [2]
        let simulator = try mf825(faults: faults)
        defer { simulator.shutdown() }
        let diag = DIAGSession(transport: simulator.host)
        _ = try diag.versionInfo()
        XCTAssertThrowsError(try diag.extendedBuildID()) { error in
            guard case let .link(.framing(.badCRC(expected, actual, _), _)) = error as? DIAGError else { return XCTFail("\(error)") }
            XCTAssertEqual(expected ^ actual, 0x0100, "one bit flipped in the high CRC byte")
            XCTAssertTrue("\(error)".contains("expected 0x"), "\(error)")
        }
        XCTAssertEqual(try diag.extendedBuildID().buildID, "BD_RUSMF823V1.0.0B05", "the link goes on after the bad frame")
    }

    func testADroppedByteIsCaughtByTheCRC() throws {
        var faults = HDLCDeviceFaults()
        faults.dropBytesInReplies = [1]
        let simulator = try mf825(faults: faults)
        defer { simulator.shutdown() }
        XCTAssertThrowsError(try DIAGSession(transport: simulator.host).versionInfo()) { error in
            XCTAssertTrue("\(error)".contains("HDLC frame"), "\(error)")
        }
    }

    func testANAKedProgrammerBlockNamesTheReason() throws {
        var faults = HDLCDeviceFaults()
        faults.nakWrite32Block = 3
        let simulator = try mf825(mode: .download, faults: faults)
        defer { simulator.shutdown() }
        XCTAssertThrowsError(try DLoadSession(transport: simulator.host).upload(programmer: programmer(), to: 0x4170_0000)) { error in
            XCTAssertEqual(error as? DLoadError, .nak(command: "WRITE32", reason: .verifyFailed))
            XCTAssertTrue("\(error)".contains("write verify failed"), "\(error)")
        }
        XCTAssertEqual(simulator.device.record.programmer.count, 2 * DLoadPacket.write32BlockSize, "two blocks taken before the NAK")
        XCTAssertEqual(simulator.device.mode, .download, "no GO after a NAK")
    }

    func testAStreamErrorAndAResetMidStreamReportWhatIsOnTheDevice() throws {
        var faults = HDLCDeviceFaults()
        faults.errorAtStreamWrite = 5
        let simulator = try mf825(mode: .streaming, faults: faults)
        defer { simulator.shutdown() }
        let streaming = StreamingDLoadSession(transport: simulator.host)
        try streaming.hello()
        try streaming.setSecurityMode()
        let target = StreamingDLoadFlashTarget(session: streaming, name: "sim")
        let system = FlashRegion(partition: "SYSTEM", offset: 0, length: 20_000)
        XCTAssertThrowsError(try target.write(system, from: MemoryByteSource([UInt8](repeating: 0x5A, count: 20_000)), progress: nil)) { error in
            guard case let .interrupted(_, written, reason) = error as? FlashTargetError else { return XCTFail("\(error)") }
            XCTAssertLessThan(written, 5 * 1024, "only confirmed writes count")
            XCTAssertTrue(reason.contains("verify failed"), reason)
            XCTAssertTrue(reason.contains("device log: open 0:SYSTEM at block 1540"), "log packets travel with the error: \(reason)")
        }

        var reset = HDLCDeviceFaults()
        reset.resetAfterStreamedBytes = 10_000
        folder = try Fixtures.temporaryDirectory("reset")
        let resetting = try mf825(mode: .streaming, faults: reset)
        let session = StreamingDLoadSession(transport: resetting.host, timeoutMilliseconds: 1_000)
        try session.hello()
        try session.setSecurityMode()
        let resettingTarget = StreamingDLoadFlashTarget(session: session, name: "sim")
        let apps = try XCTUnwrap(try resettingTarget.chipRegions().first { $0.partition == "APPS" })
        var confirmed: UInt64 = 0
        XCTAssertThrowsError(try resettingTarget.write(FlashRegion(partition: "APPS", offset: 0, length: 50_000), from: MemoryByteSource([UInt8](repeating: 0x11, count: 50_000)), progress: nil)) { error in
            guard case let .interrupted(_, written, reason) = error as? FlashTargetError else { return XCTFail("\(error)") }
            XCTAssertLessThanOrEqual(written, 9 * 1024, "never more than the nine 1 KiB writes the device took")
            XCTAssertEqual(written % 1024, 0, "whole confirmed writes only")
            confirmed = written
            XCTAssertTrue(reason.contains("vanished") || reason.contains("closed") || reason.contains("timed out"), reason)
        }
        XCTAssertTrue(resetting.waitUntilStopped())
        XCTAssertEqual(resetting.device.record.streamedBytes, 9 * 1024, "the device took nine writes, then reset")
        XCTAssertEqual(try resetting.device.store.read(lun: 0, offset: apps.offset, length: Int(confirmed)),
                       [UInt8](repeating: 0x11, count: Int(confirmed)), "what the host counts as written is on the NAND")
    }
}
