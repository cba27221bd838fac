import TermflashCore
import TermflashProtocols
import TermflashSimulator
import XCTest

/// Sahara packets, the stream decoder, and the host against the simulated boot ROM.
final class SaharaTests: XCTestCase {
    func testHelloLayoutMatchesTheProtocol() throws {
        let hello = SaharaPacket.hello(version: 2, compatible: 1, maxCommandLength: 0x400, mode: .imageTransferPending)
        let bytes = hello.encoded()
        XCTAssertEqual(bytes.count, 0x30)
        XCTAssertEqual(Array(bytes.prefix(16)), [1, 0, 0, 0, 0x30, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(try SaharaPacket.parse(bytes), hello)
        XCTAssertEqual(SaharaPacket.readData64(imageID: 13, offset: 0x1000, length: 0x34).encoded().count, 0x20)
        XCTAssertEqual(SaharaPacket.doneResponse(imageTransferStatus: 1).encoded(), [6, 0, 0, 0, 0x0C, 0, 0, 0, 1, 0, 0, 0])
    }

    func testEveryPacketRoundTrips() throws {
        let packets: [SaharaPacket] = [
            .hello(version: 3, compatible: 1, maxCommandLength: 0x400, mode: .command),
            .helloResponse(version: 2, compatible: 1, status: 0, mode: .memoryDebug),
            .readData(imageID: 13, offset: 52, length: 96), .endOfImage(imageID: 13, status: 0x24), .done,
            .doneResponse(imageTransferStatus: 0), .reset, .resetResponse, .memoryDebug(tableAddress: 0x1000, tableLength: 0x48),
            .memoryRead(address: 4, length: 8), .commandReady, .switchMode(.imageTransferPending), .execute(.serialNumber),
            .executeResponse(.msmHardwareID, dataLength: 8), .executeData(.chipIDv3), .memoryDebug64(tableAddress: 1 << 40, tableLength: 9),
            .memoryRead64(address: 1 << 33, length: 4), .readData64(imageID: 13, offset: 1 << 32, length: 7), .resetStateMachine,
        ]
        for packet in packets {
            XCTAssertEqual(try SaharaPacket.parse(packet.encoded()), packet, packet.name)
        }
    }

    func testDecoderGivesTheSamePacketsFedByteByByteAtOnceOrSplitAtRandom() throws {
        let packets: [SaharaPacket] = (0..<30).map { (index: Int) -> SaharaPacket in
            switch index % 3 {
            case 0: return .readData(imageID: 13, offset: UInt32(index * 100), length: 0x34)
            case 1: return .hello(version: 2, compatible: 1, maxCommandLength: 0x400, mode: .imageTransferPending)
            default: return .readData64(imageID: 13, offset: UInt64(index), length: 4096)
            }
        }
        let stream = packets.flatMap { $0.encoded() }
        var generator = SplitMix64(seed: 7)
        for split in 0..<3 {
            var decoder = SaharaDecoder()
            var decoded: [SaharaPacket] = []
            var index = 0
            while index < stream.count {
                let size = split == 0 ? stream.count : split == 1 ? 1 : Int(generator.next() % 61) + 1
                decoder.feed(Array(stream[index..<min(stream.count, index + size)]))
                index += size
                while let packet = try decoder.next() { decoded.append(packet) }
            }
            XCTAssertEqual(decoded, packets)
        }
    }

    func testBadLengthsAndUnknownCommandsThrowWithTheirNames() {
        var wrong = SaharaPacket.done.encoded()
        wrong[4] = 0x0C
        wrong += [0, 0, 0, 0]
        XCTAssertThrowsError(try SaharaPacket.parse(wrong)) { error in
            XCTAssertTrue(String(describing: error).contains("DONE declares 12 bytes"), "\(error)")
        }
        XCTAssertThrowsError(try SaharaPacket.parse([0x99, 0, 0, 0, 8, 0, 0, 0])) { error in
            XCTAssertEqual(error as? SaharaError, .unknownCommand(0x99))
        }
        var decoder = SaharaDecoder()
        decoder.feed([1, 0, 0, 0, 0xFF, 0xFF, 0, 0])
        XCTAssertThrowsError(try decoder.next())
    }

    func testStatusCodesHaveTheirProtocolReasonsNotShiftedByOne() {
        XCTAssertEqual(SaharaStatus(rawValue: 0).reason, "success")
        XCTAssertEqual(SaharaStatus(rawValue: 1).reason, "invalid command")
        XCTAssertEqual(SaharaStatus(rawValue: 0x13).reason, "invalid ELF header")
        XCTAssertTrue(SaharaStatus(rawValue: 0x24).reason.hasPrefix("image authentication failure"))
        XCTAssertEqual(SaharaStatus(rawValue: 0x28).reason, "hardware bulk transfer error")
        XCTAssertEqual(SaharaStatus(rawValue: 0x99).reason, "unknown status")
    }

    // MARK: host against the simulated boot ROM

    func testUploadSendsExactlyTheRequestedRangesOfTheProgrammer() throws {
        for version: UInt32 in [1, 2, 3] {
            var behaviour = EDLDeviceBehaviour()
            behaviour.saharaVersion = version
            let (device, host, programmer) = try makeDevice(behaviour)
            let report = try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(programmer)])
            let record = device.record
            XCTAssertEqual(report.version, version)
            XCTAssertEqual(report.images, [13])
            XCTAssertEqual(report.requests, record.requests.count)
            XCTAssertEqual(report.bytesSent, record.requests.reduce(0) { $0 + $1.2 })
            for (_, offset, length) in record.requests {
                XCTAssertEqual(Array(record.programmer[13]![Int(offset)..<Int(offset + length)]),
                               Array(programmer[Int(offset)..<Int(offset + length)]), "range \(offset)+\(length), v\(version)")
            }
            XCTAssertTrue(record.requests.contains { $0.1 == 0x1000 }, "the first loadable segment was pulled")
            XCTAssertFalse(report.recoveredSwallowedHello)
        }
    }

    func testSeveralImagesAreServedWhenTheDeviceAsksForThem() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.imageIDs = [13, 21]
        let (device, host, programmer) = try makeDevice(behaviour)
        let second = EDLProgrammerImage.make(seed: 99, segmentBytes: 8192)
        let report = try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(programmer), 21: MemoryByteSource(second)])
        XCTAssertEqual(report.images, [13, 21])
        XCTAssertEqual(Array(device.record.programmer[21]!.prefix(52)), Array(second.prefix(52)))
    }

    func testAnImageTheHostLacksIsNamed() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.imageIDs = [13, 21]
        let (_, host, programmer) = try makeDevice(behaviour)
        XCTAssertThrowsError(try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(programmer), 14: MemoryByteSource(programmer)])) {
            XCTAssertEqual($0 as? SaharaError, .unknownImage(21, known: [13, 14]))
        }
    }

    func testSwallowedFirstHelloIsRecoveredWithABlindResponse() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.faults.swallowFirstHello = true
        let (device, host, programmer) = try makeDevice(behaviour)
        let sahara = SaharaHost(transport: host, timeouts: .init(helloMilliseconds: 200, packetMilliseconds: 2000))
        let report = try sahara.upload(images: [13: MemoryByteSource(programmer)])
        XCTAssertTrue(report.recoveredSwallowedHello)
        XCTAssertEqual(device.record.programmer[13]!.count, programmer.count)
    }

    func testMemoryDebugModeIsReportedAsACrashDump() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.helloMode = .memoryDebug
        let (_, host, programmer) = try makeDevice(behaviour)
        XCTAssertThrowsError(try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(programmer)])) { error in
            XCTAssertEqual(error as? SaharaError, .memoryDebugMode(tableAddress: 0x146B_F000, tableLength: 0x48))
            XCTAssertTrue(String(describing: error).contains("crash dump"))
        }
    }

    func testAnUnsignedProgrammerEndsWithTheAuthenticationStatus() throws {
        var behaviour = EDLDeviceBehaviour()
        behaviour.requiredProgrammerSHA256 = [UInt8](repeating: 0xAB, count: 32)
        let (_, host, programmer) = try makeDevice(behaviour)
        XCTAssertThrowsError(try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(programmer)])) { error in
            XCTAssertEqual(error as? SaharaError, .deviceStatus(SaharaStatus(rawValue: 0x24), during: "transfer of image 13"))
            XCTAssertTrue(String(describing: error).contains("not signed for this device"))
        }
    }

    func testATruncatedProgrammerIsNamedWhenTheDeviceAsksPastItsEnd() throws {
        let (_, host, programmer) = try makeDevice(EDLDeviceBehaviour())
        let truncated = Array(programmer.prefix(0x2000))
        XCTAssertThrowsError(try SaharaHost(transport: host).upload(images: [13: MemoryByteSource(truncated)])) { error in
            guard case let .readOutsideImage(13, _, _, size)? = error as? SaharaError else { return XCTFail("\(error)") }
            XCTAssertEqual(size, 0x2000)
        }
    }

    func testCommandModeReadsTheDeviceFactsThenTheUploadFollows() throws {
        let (device, host, programmer) = try makeDevice(EDLDeviceBehaviour())
        let sahara = SaharaHost(transport: host)
        let info = try sahara.readDeviceInfo()
        XCTAssertEqual(info.serialNumber, "0x1234abcd")
        XCTAssertEqual(info.msmHardwareID, "0x000950e100000000")
        XCTAssertEqual(info.oemPublicKeyHash, EDLDeviceBehaviour().oemPublicKeyHash.map(byteHex).joined())
        XCTAssertEqual(info.sblVersion, "0x00000002")
        XCTAssertEqual(info.chipID, "51434f4d0001")
        XCTAssertEqual(device.record.clientCommands, [1, 2, 3, 7, 10])
        _ = try sahara.upload(images: [13: MemoryByteSource(programmer)])
        XCTAssertEqual(device.record.programmer[13]!.count, programmer.count)
    }

    // MARK: helpers

    private func makeDevice(_ behaviour: EDLDeviceBehaviour) throws -> (EDLDevice, Transport, [UInt8]) {
        let folder = try TestFolder()
        let storage = try EDLStorage(path: folder.path + "/storage.bin", lunCount: 1, lunBytes: 1 << 20, sectorSize: 512)
        let pair = InMemoryTransport.pair()
        let device = EDLDevice(storage: storage, transport: pair.device, behaviour: behaviour)
        let finished = device.start()
        addTeardownBlock {
            pair.host.close()
            _ = finished.wait(timeout: .now() + 5)
            folder.remove()
        }
        return (device, pair.host, EDLProgrammerImage.make())
    }
}
