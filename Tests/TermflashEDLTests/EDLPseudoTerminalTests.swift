import Foundation
import TermflashCore
import TermflashCrypto
import TermflashHardware
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// Sahara and Firehose through the real serial transport (termios) against the simulated
/// device on the master side of a pseudo-terminal.
final class EDLPseudoTerminalTests: XCTestCase {
    func testProgrammerUploadProgramAndReadBackOverAPTY() throws {
        let unit = try PTYUnit(behaviour: EDLDeviceBehaviour())
        defer { unit.stop() }
        let serial = try SerialTransport(node: unit.port.slavePath, baud: 115_200)
        defer { serial.close() }
        let programmer = EDLProgrammerImage.make()
        let upload = try SaharaHost(transport: serial).upload(images: [13: MemoryByteSource(programmer)])
        XCTAssertEqual(upload.bytesSent, unit.device.record.requests.reduce(0) { $0 + $1.2 })
        let firehose = FirehoseHost(transport: serial)
        let settled = try firehose.configure(payloadSize: 64 * 1024)
        XCTAssertEqual(settled.maxPayloadToTarget, 64 * 1024)
        var generator = SplitMix64(seed: 21)
        let image = (0..<300_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let sectors = UInt64((image.count + 511) / 512)
        try firehose.program(lun: 1, startSector: "34", sectors: sectors, sectorSize: 512, source: MemoryByteSource(image))
        XCTAssertEqual(try unit.storage.read(lun: 1, offset: 34 * 512, length: image.count), image)
        var back: [UInt8] = []
        try firehose.read(lun: 1, startSector: "34", sectors: sectors, sectorSize: 512, into: { back += $0 })
        XCTAssertEqual(Array(back.prefix(image.count)), image)
        XCTAssertEqual(try firehose.sha256Digest(lun: 1, startSector: "34", sectors: sectors, sectorSize: 512),
                       SHA256.hash(back))
        try firehose.power("reset")
        XCTAssertEqual(unit.device.record.power, "reset")
    }

    func testSeveralDocumentsInOneReadAndLogsAfterTheACKOverAPTY() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.logsAfterAck = true
        let unit = try PTYUnit(behaviour: behaviour)
        defer { unit.stop() }
        let serial = try SerialTransport(node: unit.port.slavePath)
        defer { serial.close() }
        _ = try SaharaHost(transport: serial).upload(images: [13: MemoryByteSource(EDLProgrammerImage.make())])
        let firehose = FirehoseHost(transport: serial)
        try firehose.configure()
        let info = try firehose.storageInfo(lun: 0)
        XCTAssertEqual(info.totalBlocks, unit.storage.sectorsPerLUN)
        XCTAssertTrue(try firehose.nop().contains("program"))
        try firehose.erase(lun: 0, startSector: "0", sectors: 8, sectorSize: 512)
    }

    /// A device on a pty, restarted at Sahara for every host that opens the port.
    final class PTYUnit {
        let folder: String
        let storage: EDLStorage
        let port: PTYDevicePort
        let device: EDLDevice
        private let finished = DispatchGroup()

        init(behaviour: EDLDeviceBehaviour, function: String = #function) throws {
            folder = try Fixtures.temporaryDirectory(function)
            storage = try EDLStorage(path: folder + "/storage.bin", lunCount: 2, lunBytes: 4 << 20, sectorSize: 512)
            port = try PTYDevicePort()
            device = EDLDevice(storage: storage, transport: port, behaviour: behaviour)
            finished.enter()
            Thread { [port, device, finished] in
                port.waitForHost()
                device.runSession()
                finished.leave()
            }.start()
        }

        func stop() {
            port.close()
            _ = finished.wait(timeout: .now() + 5)
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
