import TermflashCore
import TermflashCrypto
import TermflashProtocols
import TermflashSimulator
import XCTest

/// Firehose XML, the stream splitter, and the host against the simulated programmer.
final class FirehoseTests: XCTestCase {
    // MARK: codec

    func testCommandDocumentsKeepAttributeOrderAndEscapeValues() {
        let element = FirehoseElement("program", [("SECTOR_SIZE_IN_BYTES", "512"), ("label", "a\"b&c")])
        XCTAssertEqual(String(decoding: element.document(), as: UTF8.self),
                       "<?xml version=\"1.0\" encoding=\"UTF-8\" ?><data><program SECTOR_SIZE_IN_BYTES=\"512\" label=\"a&quot;b&amp;c\" /></data>")
        XCTAssertEqual(try FirehoseXML.elements(in: element.document()), [element])
    }

    func testDeviceDocumentsWithLogsResponsesAndOddSpacingParse() throws {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<data>\n<log value=\"INFO: x = 1\"/>\n"
            + "<response value='ACK' rawmode = \"true\" MaxPayloadSizeToTargetInBytes=\"1048576\"></response>\n</data>"
        let elements = try FirehoseXML.elements(in: Array(text.utf8))
        XCTAssertEqual(elements.map(\.name), ["log", "response"])
        XCTAssertEqual(elements[0]["value"], "INFO: x = 1")
        XCTAssertEqual(elements[1]["rawmode"], "true")
        XCTAssertEqual(elements[1]["maxpayloadsizetotargetinbytes"], "1048576")
    }

    func testMalformedXMLThrowsWithAnExcerptAndNeverCrashes() {
        for text in ["<data><response value=ACK/></data>", "<data><log value=\"x/></data>", "<data><response value", "<", "<data>< /></data>"] {
            XCTAssertThrowsError(try FirehoseXML.elements(in: Array(text.utf8)), text) { error in
                XCTAssertTrue(String(describing: error).contains("malformed Firehose XML"), "\(error)")
            }
        }
        var generator = SplitMix64(seed: 3)
        let seed = Array("<?xml version=\"1.0\" ?><data><response value=\"ACK\" rawmode=\"false\"/></data>".utf8)
        for _ in 0..<2000 {
            var mutated = seed
            for _ in 0..<3 { mutated[Int(generator.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? FirehoseXML.elements(in: mutated)
        }
    }

    func testSplitterSeparatesSeveralDocumentsAndRawDataInOneReadWhateverTheChunks() throws {
        let documents = (0..<5).map { FirehoseXML.document([FirehoseElement("log", [("value", "line \($0)")])]) }
        let raw: [UInt8] = (0..<300).map { UInt8($0 & 0xFF) }
        let stream = documents[0] + documents[1] + raw + documents[2] + documents[3] + documents[4]
        var generator = SplitMix64(seed: 11)
        for mode in 0..<3 {
            var splitter = FirehoseStreamSplitter()
            var found: [[UInt8]] = []
            var rawSeen: [UInt8] = []
            var index = 0
            while index < stream.count {
                let size = mode == 0 ? stream.count : mode == 1 ? 1 : Int(generator.next() % 50) + 1
                splitter.feed(Array(stream[index..<min(stream.count, index + size)]))
                index += size
                while true {
                    if found.count == 2, rawSeen.count < raw.count {
                        let part = splitter.takeRaw(upTo: raw.count - rawSeen.count)
                        if part.isEmpty { break }
                        rawSeen += part
                        continue
                    }
                    guard let document = try splitter.nextDocument() else { break }
                    found.append(document)
                }
            }
            XCTAssertEqual(found, documents, "mode \(mode)")
            XCTAssertEqual(rawSeen, raw, "mode \(mode)")
        }
    }

    func testDigestLinesAreReadInTheSpellingsProgrammersUse() {
        let hex = String(repeating: "ab", count: 32)
        XCTAssertEqual(FirehoseHostProbe.digest("Digest \(hex)"), [UInt8](repeating: 0xAB, count: 32))
        XCTAssertEqual(FirehoseHostProbe.digest("INFO: Digest: \(hex.uppercased())"), [UInt8](repeating: 0xAB, count: 32))
        XCTAssertNil(FirehoseHostProbe.digest("INFO: nothing here"))
        XCTAssertEqual(FirehoseHost.supportedFunctions(in: ["x", "Supported Functions (3):", "program", "read", "End of supported functions 3"]),
                       ["program", "read"])
    }

    // MARK: host against the simulator

    func testConfigureRetriesWithThePayloadSizeTheDeviceOffers() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.maxPayloadToTarget = 65536
        let session = try Session(behaviour)
        let settled = try session.firehose.configure(payloadSize: 1 << 20)
        XCTAssertEqual(settled.maxPayloadToTarget, 65536)
        XCTAssertEqual(settled.memoryName, "emmc")
        XCTAssertEqual(settled.attempts, 2)
        XCTAssertEqual(session.simulator.device.record.commands, ["configure", "configure"])
    }

    func testConfigureFallsBackToUFSWhenEMMCIsRefused() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.memoryNames = ["ufs"]
        let session = try Session(behaviour, sectorSize: 4096)
        let settled = try session.firehose.configure()
        XCTAssertEqual(settled.memoryName, "ufs")
        let second = try Session(behaviour, sectorSize: 4096)
        XCTAssertThrowsError(try second.firehose.configure(memory: "nand")) { error in
            guard case let .configureFailed(tried, log)? = error as? FirehoseError else { return XCTFail("\(error)") }
            XCTAssertEqual(tried, ["nand/1048576"])
            XCTAssertTrue(log.contains("Not support configure MemoryName nand"), "\(log)")
        }
        withExtendedLifetime(second) {}
    }

    func testVendorAuthenticationIsNamed() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.requiresAuthentication = true
        let session = try Session(behaviour)
        XCTAssertThrowsError(try session.firehose.configure()) { error in
            guard case .authenticationRequired? = error as? FirehoseError else { return XCTFail("\(error)") }
        }
    }

    func testProgramThenReadRoundTripsWithZeroPaddingOfTheLastSector() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.maxPayloadToTarget = 4096
        behaviour.maxPayloadFromTarget = 3072
        behaviour.zeroLengthPackets = true
        let session = try Session(behaviour)
        try session.firehose.configure()
        let image = randomBytes(10_000, seed: 5)
        try session.storage.write(lun: 0, offset: 100 * 512, bytes: [UInt8](repeating: 0x77, count: 20 * 512))
        try session.firehose.program(lun: 0, startSector: "100", sectors: 20, sectorSize: 512, source: MemoryByteSource(image))
        let stored = try session.storage.read(lun: 0, offset: 100 * 512, length: 20 * 512)
        XCTAssertEqual(Array(stored.prefix(image.count)), image)
        XCTAssertEqual(Array(stored.suffix(20 * 512 - image.count)), [UInt8](repeating: 0, count: 20 * 512 - image.count))
        var back: [UInt8] = []
        try session.firehose.read(lun: 0, startSector: "100", sectors: 20, sectorSize: 512, into: { back += $0 })
        XCTAssertEqual(back, stored)
        XCTAssertEqual(session.simulator.device.record.programBytes, 20 * 512)
    }

    func testSymbolicStartSectorsAreEvaluatedByTheProgrammer() throws {
        let session = try Session(EDLDeviceBehaviour())
        try session.firehose.configure()
        let image = randomBytes(512 * 33, seed: 9)
        try session.firehose.program(lun: 1, startSector: "NUM_DISK_SECTORS-33.", sectors: 33, sectorSize: 512, source: MemoryByteSource(image))
        let end = session.storage.lunBytes
        XCTAssertEqual(try session.storage.read(lun: 1, offset: end - 33 * 512, length: 33 * 512), image)
    }

    func testStorageInfoNopAndDigestsComeFromLogs() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.logsAfterAck = true
        let session = try Session(behaviour)
        try session.firehose.configure()
        let info = try session.firehose.storageInfo(lun: 1)
        XCTAssertEqual(info.totalBlocks, session.storage.sectorsPerLUN)
        XCTAssertEqual(info.blockSize, 512)
        XCTAssertEqual(info.numPhysical, 2)
        XCTAssertEqual(info.productName, "SIMEMMC")
        XCTAssertTrue(try session.firehose.nop().contains("getsha256digest"))
        let image = randomBytes(4096, seed: 1)
        try session.storage.write(lun: 0, offset: 8 * 512, bytes: image)
        XCTAssertEqual(try session.firehose.sha256Digest(lun: 0, startSector: "8", sectors: 8, sectorSize: 512), SHA256.hash(image))
    }

    func testANAKStopsAtOnceWithTheCommandAndTheDeviceLog() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.nakAtCommand = 2
        let session = try Session(behaviour)
        try session.firehose.configure()
        XCTAssertThrowsError(try session.firehose.program(lun: 0, startSector: "0", sectors: 4, sectorSize: 512,
                                                          source: MemoryByteSource(randomBytes(2048, seed: 2)))) { error in
            XCTAssertEqual(error as? FirehoseError, .nak(command: "program", log: ["simulated fault: NAK of command 2 (program)"], written: nil))
            XCTAssertTrue(String(describing: error).contains("nothing of it was written"))
        }
        XCTAssertEqual(session.simulator.device.record.programBytes, 0)
        XCTAssertEqual(try session.storage.read(lun: 0, offset: 0, length: 2048), [UInt8](repeating: 0, count: 2048))
    }

    func testACommandOutsideTheStorageIsRefusedWithTheDeviceReason() throws {
        let session = try Session(EDLDeviceBehaviour())
        try session.firehose.configure()
        XCTAssertThrowsError(try session.firehose.erase(lun: 5, startSector: "0", sectors: 1, sectorSize: 512)) { error in
            guard case let .nak("erase", log, nil)? = error as? FirehoseError else { return XCTFail("\(error)") }
            XCTAssertEqual(log, ["ERROR: physical_partition_number 5 is not a LUN"])
        }
        XCTAssertThrowsError(try session.firehose.setBootableStorageDrive(7)) { error in
            guard case .nak("setbootablestoragedrive", ["ERROR: no LUN 7"], nil)? = error as? FirehoseError else { return XCTFail("\(error)") }
        }
    }

    func testPatchEvaluatesCRC32AndDiskSizeExpressionsOnTheDevice() throws {
        let session = try Session(EDLDeviceBehaviour())
        try session.firehose.configure()
        let header = randomBytes(92, seed: 4)
        try session.storage.write(lun: 0, offset: 512, bytes: header)
        try session.firehose.patch([("SECTOR_SIZE_IN_BYTES", "512"), ("byte_offset", "32"), ("filename", "DISK"),
                                    ("physical_partition_number", "0"), ("size_in_bytes", "8"), ("start_sector", "1"),
                                    ("value", "NUM_DISK_SECTORS-1.")])
        try session.firehose.patch([("SECTOR_SIZE_IN_BYTES", "512"), ("byte_offset", "100"), ("filename", "DISK"),
                                    ("physical_partition_number", "0"), ("size_in_bytes", "4"), ("start_sector", "1"),
                                    ("value", "CRC32(1,92)")])
        let sector = try session.storage.read(lun: 0, offset: 512, length: 512)
        var reader = ByteReader(sector, offset: 32)
        XCTAssertEqual(try reader.read(UInt64.self, endianness: .little), session.storage.sectorsPerLUN - 1)
        reader = ByteReader(sector, offset: 100)
        XCTAssertEqual(try reader.read(UInt32.self, endianness: .little), CRC32.checksum(Array(sector.prefix(92))))
    }

    // MARK: flash target

    func testSkipUnchangedProgramsOnlyTheChunksThatDiffer() throws {
        let session = try Session(EDLDeviceBehaviour())
        try session.firehose.configure()
        let target = FirehoseFlashTarget(host: session.firehose, sectorSize: 512, name: "firehose")
        target.skipUnchangedChunkBytes = 64 * 1024
        let image = randomBytes(256 * 1024, seed: 8)
        var changed = image
        try session.storage.write(lun: 0, offset: 4096, bytes: image)
        changed[70_000] ^= 0xFF
        changed[200_000] ^= 0xFF
        let region = FlashRegion(partition: "boot", lun: 0, offset: 4096, length: UInt64(image.count))
        try target.write(region, from: MemoryByteSource(changed), progress: nil)
        XCTAssertEqual(target.chunksSkipped, 2)
        XCTAssertEqual(target.chunksWritten, 2)
        XCTAssertEqual(session.simulator.device.record.programBytes, 128 * 1024)
        XCTAssertEqual(try session.storage.read(lun: 0, offset: 4096, length: image.count), changed)
        XCTAssertEqual(try target.digest(region, kind: .sha256), SHA256.hash(changed))
    }

    func testADisconnectMidWriteReportsTheConfirmedBytes() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.disconnectAfterBytes = 96 * 1024
        behaviour.maxPayloadToTarget = 16 * 1024
        let session = try Session(behaviour)
        try session.firehose.configure()
        let target = FirehoseFlashTarget(host: session.firehose, sectorSize: 512, name: "firehose")
        target.skipUnchangedChunkBytes = 64 * 1024
        let image = randomBytes(256 * 1024, seed: 12)
        let region = FlashRegion(partition: "system", lun: 0, offset: 0, length: UInt64(image.count))
        XCTAssertThrowsError(try target.write(region, from: MemoryByteSource(image), progress: nil)) { error in
            guard case let .interrupted(_, written, reason)? = error as? FlashTargetError else { return XCTFail("\(error)") }
            XCTAssertEqual(written, 64 * 1024, "the first chunk was confirmed")
            XCTAssertTrue(reason.contains("65536 bytes confirmed"), reason)
        }
        XCTAssertEqual(session.simulator.device.record.programBytes, 96 * 1024)
        XCTAssertEqual(try session.storage.read(lun: 0, offset: 0, length: 96 * 1024), Array(image.prefix(96 * 1024)))
    }

    func testAWrongDeviceDigestIsVisibleToTheVerifier() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.wrongDigest = true
        let session = try Session(behaviour)
        try session.firehose.configure()
        let target = FirehoseFlashTarget(host: session.firehose, sectorSize: 512, name: "firehose")
        let image = randomBytes(8192, seed: 13)
        let region = FlashRegion(lun: 0, offset: 0, length: 8192)
        try target.write(region, from: MemoryByteSource(image), progress: nil)
        XCTAssertNotEqual(try target.digest(region, kind: .sha256), SHA256.hash(image))
    }

    func testASlowDeviceStillCompletes() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.slowMillisecondsPerChunk = 20
        behaviour.maxPayloadToTarget = 8192
        let session = try Session(behaviour)
        try session.firehose.configure()
        let image = randomBytes(64 * 1024, seed: 14)
        let started = Deadline.now
        try session.firehose.program(lun: 0, startSector: "0", sectors: 128, sectorSize: 512, source: MemoryByteSource(image))
        XCTAssertGreaterThanOrEqual(Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds, 8 * 20_000_000)
        XCTAssertEqual(try session.storage.read(lun: 0, offset: 0, length: image.count), image)
    }

    func testPowerResetEndsTheDeviceRun() throws {
        let session = try Session(EDLDeviceBehaviour())
        try session.firehose.configure()
        try session.firehose.setBootableStorageDrive(1)
        try session.firehose.power("reset")
        XCTAssertTrue(session.simulator.waitUntilStopped())
        XCTAssertEqual(session.simulator.device.record.bootableDrive, 1)
        XCTAssertEqual(session.simulator.device.record.power, "reset")
    }

    // MARK: helpers

    /// A simulated unit past Sahara: storage, device and a Firehose host.
    final class Session {
        let folder: TestFolder
        let storage: EDLStorage
        let simulator: InProcessEDL
        let firehose: FirehoseHost

        init(_ behaviour: EDLDeviceBehaviour, sectorSize: Int = 512, function: String = #function) throws {
            folder = try TestFolder(function)
            storage = try EDLStorage(path: folder.path + "/storage.bin", lunCount: 2, lunBytes: 2 << 20, sectorSize: sectorSize)
            simulator = InProcessEDL(storage: storage, behaviour: behaviour, bufferBytes: 256 * 1024)
            _ = try SaharaHost(transport: simulator.host).upload(images: [13: MemoryByteSource(EDLProgrammerImage.make())])
            var timeouts = FirehoseHost.Timeouts()
            timeouts.finalMilliseconds = 5000
            firehose = FirehoseHost(transport: simulator.host, timeouts: timeouts)
        }

        deinit {
            simulator.shutdown()
            folder.remove()
        }
    }

    private func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }
}

/// Reaches the host's digest-line reader through its public behaviour.
enum FirehoseHostProbe {
    static func digest(_ line: String) -> [UInt8]? { FirehoseHost.digestInLogLine(line) }
}
