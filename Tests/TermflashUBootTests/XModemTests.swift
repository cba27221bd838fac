import TermflashCore
import TermflashProtocols
import XCTest

/// XMODEM / XMODEM-1K / YMODEM codecs and state machines, sender against receiver with no I/O.
final class XModemTests: XCTestCase {
    func testBlockPreparedDuringTheWaitIsSentOnACKAndNotOnNAK() throws {
        let image = pattern(3000, seed: 4)
        var sender = XModemSender(variant: .xmodem1K, source: MemoryByteSource(image))
        let first = try sender.receive(XModemByte.crcRequest)
        XCTAssertEqual(first, XModemFrame.encode(number: 1, data: Array(image[0..<1024]), blockSize: 1024, check: .crc16))
        sender.prepareNextBlock()
        XCTAssertEqual(try sender.receive(XModemByte.nak), first, "a NAK resends the outstanding block, not the prepared one")
        sender.prepareNextBlock()
        XCTAssertEqual(try sender.receive(XModemByte.ack),
                       XModemFrame.encode(number: 2, data: Array(image[1024..<2048]), blockSize: 1024, check: .crc16))
        XCTAssertEqual(sender.acknowledged, 1024)
        sender.prepareNextBlock()
        XCTAssertEqual(try sender.receive(XModemByte.ack),
                       XModemFrame.encode(number: 3, data: Array(image[2048...]), blockSize: 1024, check: .crc16))
        sender.prepareNextBlock()  // nothing follows the last block
        XCTAssertEqual(try sender.receive(XModemByte.ack), [XModemByte.eot])
        XCTAssertEqual(sender.acknowledged, 3000)
    }

    func testCRC16XModemCheckValue() {
        XCTAssertEqual(CRC16XModem.checksum(Array("123456789".utf8)), 0x31C3)
    }

    func testBlockLayoutWithCRCAndPadding() throws {
        let frame = XModemFrame.encode(number: 3, data: [0x41, 0x42], blockSize: 128, check: .crc16)
        XCTAssertEqual(frame.count, 3 + 128 + 2)
        XCTAssertEqual(Array(frame.prefix(5)), [XModemByte.soh, 3, 252, 0x41, 0x42])
        XCTAssertEqual(frame[5], XModemByte.padding)
        let crc = CRC16XModem.checksum(frame[3..<131])
        XCTAssertEqual(Array(frame.suffix(2)), [UInt8(crc >> 8), UInt8(crc & 0xFF)])
        let decoded = try XModemFrame.decode(frame, check: .crc16)
        XCTAssertEqual(decoded.number, 3)
        XCTAssertEqual(Array(decoded.data.prefix(3)), [0x41, 0x42, 0x1A])
    }

    func testChecksumBlockAndCorruptionIsRejected() {
        var frame = XModemFrame.encode(number: 1, data: [UInt8](repeating: 1, count: 1024), blockSize: 1024, check: .checksum)
        XCTAssertEqual(frame.first, XModemByte.stx)
        XCTAssertEqual(frame.last, UInt8(truncatingIfNeeded: 1024))
        frame[10] ^= 0xFF
        XCTAssertThrowsError(try XModemFrame.decode(frame, check: .checksum)) { error in
            guard case XModemFrame.DecodeFailure.badCheck(number: 1, _, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testYModemHeaderCarriesNameAndLength() throws {
        let frame = XModemFrame.ymodemHeader(name: "/tmp/openwrt.bin", length: 20480, check: .crc16)
        let block = try XModemFrame.decode(frame, check: .crc16)
        XCTAssertEqual(block.number, 0)
        let header = XModemFrame.parseYModemHeader(block.data)
        XCTAssertEqual(header.name, "openwrt.bin")
        XCTAssertEqual(header.length, 20480)
        let end = try XModemFrame.decode(XModemFrame.ymodemHeader(name: "", length: 0, check: .crc16), check: .crc16)
        XCTAssertEqual(end.data, [UInt8](repeating: 0, count: 128))
        XCTAssertNil(XModemFrame.parseYModemHeader(end.data).name)
    }

    func testEveryVariantDeliversTheImage() throws {
        let image = pattern(5000)
        for (variant, check) in [(XModemVariant.xmodem, XModemCheck.checksum), (.xmodem, .crc16), (.xmodem1K, .crc16), (.ymodem, .crc16)] {
            let result = try exchange(image, variant: variant, check: check)
            let expected = variant == .ymodem ? image : image + [UInt8](repeating: 0x1A, count: result.data.count - image.count)
            XCTAssertEqual(result.data, expected, "\(variant) \(check)")
            XCTAssertEqual(result.sender.acknowledged, UInt64(image.count))
            if variant == .ymodem { XCTAssertEqual(result.fileName, "image.bin") }
            if variant != .ymodem { XCTAssertEqual(result.data.count % 128, 0) }
        }
    }

    func testEmptyImageAndImagesOfManyBlocks() throws {
        XCTAssertEqual(try exchange([], variant: .ymodem, check: .crc16).data, [])
        let large = pattern(300 * 1024 + 7)  // block numbers wrap past 255
        XCTAssertEqual(try exchange(large, variant: .ymodem, check: .crc16).data, large)
    }

    func testCorruptedBlockIsSentAgain() throws {
        let image = pattern(3000)
        var corrupted = false
        let result = try exchange(image, variant: .xmodem1K, check: .crc16) { bytes in
            guard !corrupted, bytes.count > 1000 else { return bytes }
            corrupted = true
            var damaged = bytes
            damaged[500] ^= 0x40
            return damaged
        }
        XCTAssertEqual(Array(result.data.prefix(image.count)), image)
        XCTAssertEqual(result.sender.resends, 1)
        XCTAssertEqual(result.rejected, 1)
    }

    func testSenderGivesUpAfterTheRetryLimitNamingTheBlock() throws {
        var sender = XModemSender(variant: .xmodem, source: MemoryByteSource(pattern(400)))
        XCTAssertEqual(try sender.receive(XModemByte.crcRequest).first, XModemByte.soh)
        XCTAssertNoThrow(try sender.receive(XModemByte.ack))
        for _ in 0..<9 { XCTAssertEqual(try sender.receive(XModemByte.nak).count, 133) }
        XCTAssertThrowsError(try sender.receive(XModemByte.nak)) { error in
            XCTAssertEqual(error as? XModemError, .tooManyRetries(block: 2, offset: 128, attempts: 10, lastAnswer: "NAK"))
            XCTAssertTrue("\(error)".contains("block 2 (image byte 128)"))
        }
    }

    func testReceiverCancelStopsTheSender() throws {
        var sender = XModemSender(variant: .ymodem, source: MemoryByteSource(pattern(400)))
        _ = try sender.receive(XModemByte.crcRequest)
        _ = try sender.receive(XModemByte.can)
        XCTAssertThrowsError(try sender.receive(XModemByte.can)) { error in
            XCTAssertEqual(error as? XModemError, .cancelledByReceiver(offset: 0))
        }
    }

    func testLateStartAfterYModemHeaderIsAwaited() throws {
        var sender = XModemSender(variant: .ymodem, source: MemoryByteSource(pattern(100)))
        XCTAssertEqual(try sender.receive(XModemByte.crcRequest).count, 133)  // header
        XCTAssertEqual(try sender.receive(XModemByte.ack), [])
        XCTAssertEqual(sender.phase, .awaitingDataStart)
        XCTAssertGreaterThan(sender.timeoutSeconds, 4.25)  // U-Boot's C comes about 4.25 s later
        XCTAssertEqual(try sender.receive(Array("junk".utf8)), [])
        let block = try sender.receive(XModemByte.crcRequest)
        XCTAssertEqual(Array(block.prefix(3)), [XModemByte.soh, 1, 254])
        XCTAssertEqual(try sender.receive(XModemByte.crcRequest), [], "a stray C while a block is outstanding is ignored")
    }

    func testSenderWithoutStartRequestTimesOut() {
        var sender = XModemSender(variant: .xmodem1K, source: MemoryByteSource(pattern(10)))
        XCTAssertEqual(try sender.receive(Array("## Ready for binary (xmodem) download\r\n".utf8)), [])
        XCTAssertThrowsError(try sender.timedOut()) { error in
            XCTAssertEqual(error as? XModemError, .noStart(waitedSeconds: 60))
        }
    }

    func testYModemGStreamsWithoutAcknowledgements() throws {
        let image = pattern(10_000, seed: 4)
        var sender = XModemSender(variant: .ymodem, source: MemoryByteSource(image))
        var receiver = XModemReceiver(mode: .ymodemStreaming)
        XCTAssertEqual(receiver.startRequest, [XModemByte.streamRequest])
        let header = try sender.receive(receiver.startRequest)
        XCTAssertEqual(receiver.receive(header).flatMap(\.bytes), [XModemByte.streamRequest], "the header is not acknowledged")
        XCTAssertEqual(try sender.receive(XModemByte.streamRequest), [])
        XCTAssertEqual(sender.phase, .streaming)
        var replies: [UInt8] = []
        while sender.phase == .streaming { replies += receiver.receive(try sender.nextStreamedBlock()).flatMap(\.bytes) }
        XCTAssertEqual(replies, [XModemByte.ack, XModemByte.streamRequest], "only the EOT is answered")
        let end = try sender.receive(replies)
        XCTAssertEqual(sender.phase, .finished)
        XCTAssertEqual(receiver.receive(end).flatMap(\.bytes), [])
        XCTAssertTrue(receiver.finished)
        XCTAssertEqual(receiver.data, image)
    }

    func testYModemGCancelsOnTheFirstBadBlock() throws {
        var sender = XModemSender(variant: .ymodem, source: MemoryByteSource(pattern(5000)))
        var receiver = XModemReceiver(mode: .ymodemStreaming)
        _ = receiver.receive(try sender.receive(receiver.startRequest))
        _ = try sender.receive(XModemByte.streamRequest)
        var block = try sender.nextStreamedBlock()
        block[100] ^= 1
        let answer = receiver.receive(block).flatMap(\.bytes)
        XCTAssertEqual(answer, [XModemByte.can, XModemByte.can])
        XCTAssertTrue(receiver.cancelled)
        XCTAssertThrowsError(try sender.receive(answer)) { error in
            XCTAssertEqual(error as? XModemError, .cancelledByReceiver(offset: 0))
        }
    }

    // MARK: Helpers

    struct Exchange {
        var data: [UInt8]
        var sender: XModemSender
        var fileName: String?
        var rejected: Int
    }

    /// Runs sender and receiver against each other until both are done.
    private func exchange(_ image: [UInt8], variant: XModemVariant, check: XModemCheck,
                          line: ([UInt8]) -> [UInt8] = { $0 }) throws -> Exchange {
        var sender = XModemSender(variant: variant, source: MemoryByteSource(image))
        var receiver = XModemReceiver(mode: variant == .ymodem ? .ymodem : .xmodem, check: check)
        var toReceiver = try sender.receive(receiver.startRequest)
        var rounds = 0
        while sender.phase != .finished {
            rounds += 1
            XCTAssertLessThan(rounds, 100_000)
            var toSender: [UInt8] = []
            if toReceiver.isEmpty {
                toSender = receiver.timedOut().flatMap(\.bytes)
                if toSender.isEmpty { toReceiver = try sender.timedOut(); continue }
            } else {
                toSender = receiver.receive(line(toReceiver)).flatMap(\.bytes)
            }
            toReceiver = try sender.receive(toSender)
        }
        XCTAssertTrue(receiver.finished)
        XCTAssertFalse(receiver.cancelled)
        return Exchange(data: receiver.data, sender: sender, fileName: receiver.fileName, rejected: receiver.rejected)
    }
}

/// Bytes that differ from block to block, so a lost or repeated block shows.
func pattern(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}
