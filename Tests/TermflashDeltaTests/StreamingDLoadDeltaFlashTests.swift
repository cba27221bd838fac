import Foundation
import TermflashCore
import TermflashDelta
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// `flash --delta` through Streaming DLOAD onto the simulated NAND modem: the source is
/// confirmed by read-back, and because open multi-image starts a partition over, the whole
/// rebuilt image is streamed when anything changed (the simulator counts streamed bytes).
final class StreamingDLoadDeltaFlashTests: XCTestCase {
    private var folder = ""
    private let appsOffset: UInt64 = 914 * 131_072  // APPS in the MF825's MIBIB

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func fixture(_ name: String) throws -> [UInt8] {
        try Fixtures.bytes("nand-partition-tables/" + name)
    }

    /// A simulated MF825 with its programmer running and `apps` already in APPS.
    private func unit(holding apps: [UInt8]) throws -> (InProcessHDLCDevice, StreamingDLoadFlashTarget) {
        let store = try FlashStore(paths: [folder + "/nand.bin"], sizes: [256 << 20], sectorSize: 2048)
        try store.write(lun: 0, offset: appsOffset, bytes: apps)
        let device = try QualcommHDLCDevice(store: store, table: try MIBIBPartitionTable(try fixture("pt-mf825-r.bin")),
                                            writeForm: try fixture("pt-mf825-w.bin"), mode: .streaming,
                                            nvItems: QualcommHDLCDevice.sampleNVItems)
        let simulator = InProcessHDLCDevice(device: device)
        let session = StreamingDLoadSession(transport: simulator.host)
        try session.hello()
        try session.setSecurityMode()
        return (simulator, StreamingDLoadFlashTarget(session: session, name: "simulated MF825"))
    }

    private func images(changing blocks: [Int]) throws -> (old: [UInt8], new: [UInt8], patch: String) {
        var random = SplitMix64(seed: 5)
        let old = (0..<(600 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var new = old
        for block in blocks { new[block * 4096 + 100] ^= 0x5A }
        try Data(old).write(to: URL(fileURLWithPath: folder + "/old.bin"))
        try Data(new).write(to: URL(fileURLWithPath: folder + "/new.bin"))
        try DeltaFiles.create(old: folder + "/old.bin", new: folder + "/new.bin", patch: folder + "/p.delta")
        return (old, new, folder + "/p.delta")
    }

    private func flash(_ target: StreamingDLoadFlashTarget, patch: String) throws -> DifferentialFlashReport {
        let apps = try XCTUnwrap(try target.partitions().first { $0.partition == "APPS" })
        return try DifferentialFlasher(target: target, region: apps, patch: patch, workDirectory: folder).run()
    }

    func testAChangedImageIsStreamedWholeAfterTheSourceIsConfirmed() throws {
        let (old, new, patch) = try images(changing: [2, 77, 140])
        let (simulator, target) = try unit(holding: old)
        defer { simulator.shutdown() }
        let report = try flash(target, patch: patch)
        XCTAssertEqual(report.sourceConfirmedBy, "read-back")
        XCTAssertEqual(report.verifiedBy, "read-back")
        XCTAssertEqual(report.blocksDiffering, 3)
        XCTAssertTrue(report.wholePartition)
        XCTAssertEqual(report.blocksWritten, report.blocksTotal)
        XCTAssertEqual(report.bytesSent, UInt64(new.count))
        XCTAssertTrue(report.text.contains("3 differ, but simulated MF825 rewrites a partition from its start"), report.text)
        XCTAssertEqual(simulator.device.record.streamedBytes, UInt64(new.count), "the simulator received the whole image once")
        XCTAssertEqual(simulator.device.record.imagesOpened.count, 1, "opened once")
        XCTAssertEqual(try simulator.device.store.read(lun: 0, offset: appsOffset, length: new.count), new)
    }

    func testAnUnchangedImageSendsNothing() throws {
        let (old, _, patch) = try images(changing: [])
        let (simulator, target) = try unit(holding: old)
        defer { simulator.shutdown() }
        let report = try flash(target, patch: patch)
        XCTAssertEqual(report.blocksDiffering, 0)
        XCTAssertEqual(report.blocksWritten, 0)
        XCTAssertEqual(simulator.device.record.streamedBytes, 0)
        XCTAssertEqual(simulator.device.record.imagesOpened, [], "the partition is not even opened")
    }

    func testAUnitHoldingOtherFirmwareIsRefusedBeforeAnyWrite() throws {
        let (old, _, patch) = try images(changing: [9])
        var other = old
        other[1234] ^= 1
        let (simulator, target) = try unit(holding: other)
        defer { simulator.shutdown() }
        XCTAssertThrowsError(try flash(target, patch: patch)) { error in
            XCTAssertTrue("\(error)".contains("does not hold the patch's source (checked by read-back); nothing was written"), "\(error)")
        }
        XCTAssertEqual(simulator.device.record.streamedBytes, 0)
        XCTAssertEqual(try simulator.device.store.read(lun: 0, offset: appsOffset, length: other.count), other)
    }
}
