import Foundation
import TermflashCapture
import TermflashCore
import TermflashCrypto
import TermflashHardware
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// Captures of the simulated unit under `Captures/edl/`, replayed through the replaying
/// transport and through umockdev (the real libusb path), and decoded by `capture show`.
/// Set TERMFLASH_RECORD_EDL_CAPTURES=1 to record them again from the simulator.
final class EDLCaptureTests: XCTestCase {
    static let usbCapture = "edl/sim-9008-program-read.pcapng"
    static let serialCapture = "edl/sim-tty-program-read.script"

    /// What the scenario leaves: the bytes read back and the device's digest of them.
    struct Outcome: Equatable {
        var readBack: [UInt8]
        var digest: [UInt8]
        var storage: FirehoseStorageInfo
    }

    static var programmer: [UInt8] { EDLProgrammerImage.make(seed: 0xCA97, segmentBytes: 4096) }
    static var image: [UInt8] {
        var generator = SplitMix64(seed: 0x1D)
        return (0..<16_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    /// Upload, configure, storage info, program 16 000 bytes (32 sectors, the last padded),
    /// read them back, digest, reset.
    static func scenario(over transport: Transport) throws -> Outcome {
        _ = try SaharaHost(transport: transport, timeouts: .init(helloMilliseconds: 2000, packetMilliseconds: 2000))
            .upload(images: [13: MemoryByteSource(programmer)])
        let firehose = FirehoseHost(transport: transport)
        try firehose.configure(payloadSize: 8192)
        let storage = try firehose.storageInfo(lun: 0)
        try firehose.program(lun: 0, startSector: "34", sectors: 32, sectorSize: 512, source: MemoryByteSource(image))
        var back: [UInt8] = []
        try firehose.read(lun: 0, startSector: "34", sectors: 32, sectorSize: 512, into: { back += $0 })
        let digest = try firehose.sha256Digest(lun: 0, startSector: "34", sectors: 32, sectorSize: 512)
        try firehose.power("reset")
        return Outcome(readBack: back, digest: digest, storage: storage)
    }

    static var expectedReadBack: [UInt8] { image + [UInt8](repeating: 0, count: 32 * 512 - 16_000) }

    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["TERMFLASH_RECORD_EDL_CAPTURES"] != nil else { return }
        try record()
    }

    private func record() throws {
        for serial in [false, true] {
            let folder = try Fixtures.temporaryDirectory()
            let storage = try EDLStorage(path: folder + "/storage.bin", lunCount: 1, lunBytes: 1 << 20, sectorSize: 512)
            let unit = InProcessEDL(storage: storage)
            let recorded: Transport
            var finish: () -> Void
            if serial {
                let writer = try ScriptCaptureWriter(path: Fixtures.path(Self.serialCapture))
                recorded = RecordingTransport(wrapping: unit.host, into: .script(writer))
                finish = { writer.close() }
            } else {
                let writer = try PcapngCaptureWriter(path: Fixtures.path(Self.usbCapture))
                recorded = USBShapedRecorder(wrapping: unit.host, observer: writer, bus: 1, device: 4)
                finish = { writer.close() }
            }
            _ = try Self.scenario(over: recorded)
            finish()
            unit.shutdown()
        }
    }

    func testTheUSBCaptureReplaysInProcess() throws {
        let replay = ReplayTransport(try CaptureSource.dialogue(contentsOf: Fixtures.path(Self.usbCapture)), packetSize: 512)
        let outcome = try Self.scenario(over: replay)
        XCTAssertEqual(outcome.readBack, Self.expectedReadBack)
        XCTAssertEqual(outcome.digest, SHA256.hash(Self.expectedReadBack))
        XCTAssertNoThrow(try replay.verifyFinished())
    }

    func testTheSerialCaptureReplaysInProcess() throws {
        let replay = ReplayTransport(try CaptureSource.dialogue(contentsOf: Fixtures.path(Self.serialCapture)), packetSize: 1)
        let outcome = try Self.scenario(over: replay)
        XCTAssertEqual(outcome.readBack, Self.expectedReadBack)
        XCTAssertEqual(outcome.storage.totalBlocks, 2048)
        XCTAssertNoThrow(try replay.verifyFinished())
    }

    func testTheUSBCaptureReplaysThroughLibUSBUnderUMockDev() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "edl-9008.umockdev")
        try testbed.loadPcap(sysfsPath: SyntheticCaptures.downloadDeviceSysfs, file: Fixtures.path(Self.usbCapture))
        let device = try USBEnumerator.select(DeviceSelection(path: "1-2"), from: USBEnumerator.devices())
        XCTAssertEqual(device.identity, USBIdentity(vendorID: 0x05C6, productID: 0x9008))
        let transport = try USBTransport(device: device, interface: 0)
        defer { transport.close() }
        let outcome = try Self.scenario(over: transport)
        XCTAssertEqual(outcome.readBack, Self.expectedReadBack)
        XCTAssertEqual(outcome.digest, SHA256.hash(Self.expectedReadBack))
    }

    func testAHostThatSendsOtherBytesIsCaughtAtTheFirstDifference() throws {
        let replay = ReplayTransport(try CaptureSource.dialogue(contentsOf: Fixtures.path(Self.usbCapture)), packetSize: 512)
        _ = try SaharaHost(transport: replay).upload(images: [13: MemoryByteSource(Self.programmer)])
        let firehose = FirehoseHost(transport: replay)
        XCTAssertThrowsError(try firehose.configure(memory: "ufs", payloadSize: 8192)) { error in
            guard case .replayDiverged? = error as? TransportError else { return XCTFail("\(error)") }
        }
    }

    func testCaptureShowDecodesSaharaThenFirehose() throws {
        let dialogue = try CaptureSource.dialogue(contentsOf: Fixtures.path(Self.usbCapture))
        XCTAssertTrue(CaptureDecoders.detect(dialogue) == SaharaCaptureDecoder.self)
        let lines = CaptureDecoders.decode(dialogue, with: SaharaCaptureDecoder.self, relativeTimes: true).map(\.line)
        let names = lines.map { $0.split(separator: " ").dropFirst().prefix(3).joined(separator: " ") }
        XCTAssertEqual(Array(names.prefix(4)), ["IN sahara HELLO", "OUT sahara HELLO_RESP", "IN sahara READ_DATA", "OUT sahara IMAGE-DATA"])
        XCTAssertTrue(lines.contains { $0.contains("IN sahara DONE_RESP status=1") })
        XCTAssertTrue(lines.contains { $0.contains("OUT firehose configure MemoryName=emmc MaxPayloadSizeToTargetInBytes=8192") })
        XCTAssertTrue(lines.contains { $0.contains("OUT firehose program SECTOR_SIZE_IN_BYTES=512 num_partition_sectors=32") })
        XCTAssertEqual(lines.filter { $0.contains("firehose RAW bytes=16384") }.count, 2, "program data out, read data in")
        XCTAssertTrue(lines.contains { $0.contains("IN firehose log value=Digest ") })
        XCTAssertTrue(lines.last?.contains("IN firehose response value=ACK") ?? false, lines.last ?? "")
        let requested = lines.filter { $0.contains("IN sahara READ_DATA") }.count
        XCTAssertEqual(lines.filter { $0.contains("OUT sahara IMAGE-DATA") }.count, requested, "every range is served")
    }

    func testTheSerialCaptureDecodesTheSameWay() throws {
        let dialogue = try CaptureSource.dialogue(contentsOf: Fixtures.path(Self.serialCapture))
        let lines = CaptureDecoders.decode(dialogue, with: CaptureDecoders.detect(dialogue), relativeTimes: true).map(\.line)
        XCTAssertTrue(lines.contains { $0.contains("OUT firehose power value=reset") })
        XCTAssertEqual(lines.filter { $0.contains("firehose RAW bytes=16384") }.count, 2)
    }
}
