import Foundation
import TermflashCore
import TermflashCrypto
import TermflashHardware
import TestSupport
import XCTest

/// The real termios transport over a pseudo-terminal with a peer on the master side.
final class SerialTransportTests: XCTestCase {
    func testEveryByteValueSurvivesTheRoundTrip() throws {
        let pty = try PseudoTerminal()
        let transport = try SerialTransport(node: pty.slavePath, baud: 115_200)
        defer { transport.close() }
        let allBytes = (0...255).map { UInt8($0) }
        let echoed = expectation(description: "peer echoed")
        DispatchQueue.global().async {
            var received: [UInt8] = []
            while received.count < allBytes.count { received += pty.read(max: 4096) }
            pty.writeAll(received)
            echoed.fulfill()
        }
        try transport.write(allBytes, deadline: .after(seconds: 5))
        let back = try transport.read(exactly: 256, deadline: .after(seconds: 5))
        wait(for: [echoed], timeout: 5)
        XCTAssertEqual(back, allBytes, "no byte may be translated (0x0a, 0x0d, 0x03, 0x11, 0x13, 0x7f)")
    }

    func testSixteenMebibytesEachWayMatchByHash() throws {
        let pty = try PseudoTerminal()
        let transport = try SerialTransport(node: pty.slavePath)
        defer { transport.close() }
        let size = 16 << 20
        var generator = SplitMix64(seed: 0x7E57)
        let payload = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let sentHash = SHA256.hash(payload)

        let peerDone = expectation(description: "peer received and answered")
        let peerDigest = SHA256()
        DispatchQueue.global().async {
            var count = 0
            while count < size {
                let chunk = pty.read(max: 65536)
                if chunk.isEmpty { break }
                peerDigest.update(chunk)
                count += chunk.count
            }
            pty.writeAll(payload)
            peerDone.fulfill()
        }
        try transport.write(payload, deadline: .after(seconds: 60))
        let digest = SHA256()
        var received = 0
        while received < size {
            let chunk = try transport.read(maxLength: 65536, deadline: .after(seconds: 60))
            digest.update(chunk)
            received += chunk.count
        }
        wait(for: [peerDone], timeout: 60)
        XCTAssertEqual(peerDigest.finish().hexString, sentHash.hexString, "host → device")
        XCTAssertEqual(digest.finish().hexString, sentHash.hexString, "device → host")
    }

    func testReadTimesOutWithNothingTransferred() throws {
        let pty = try PseudoTerminal()
        let transport = try SerialTransport(node: pty.slavePath)
        defer { transport.close() }
        let started = Date()
        XCTAssertThrowsError(try transport.read(maxLength: 10, deadline: .after(milliseconds: 200))) { error in
            guard case TransportError.timedOut(let operation, _, let transferred) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(operation, "data on tty \(pty.slavePath)")
            XCTAssertEqual(transferred, 0)
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.19)
    }

    func testDeviceThatVanishesIsReportedNotHung() throws {
        let pty = try PseudoTerminal()
        let transport = try SerialTransport(node: pty.slavePath)
        defer { transport.close() }
        pty.releaseSlave()
        pty.closeMaster()
        XCTAssertThrowsError(try transport.read(maxLength: 10, deadline: .after(seconds: 2))) { error in
            guard case TransportError.deviceVanished = error else { return XCTFail("\(error)") }
            XCTAssertEqual((error as? TransportError)?.exitStatus, .deviceVanished)
        }
    }

    func testSecondOpenOfTheSamePortIsRefusedAsBusy() throws {
        let pty = try PseudoTerminal()
        let first = try SerialTransport(node: pty.slavePath)
        defer { first.close() }
        XCTAssertThrowsError(try SerialTransport(node: pty.slavePath)) { error in
            guard case TransportError.busy(let resource, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(resource, pty.slavePath)
        }
    }

    func testMissingNodeAndBadBaudAreNamed() throws {
        XCTAssertThrowsError(try SerialTransport(node: "/dev/ttyNOPE9")) { error in
            XCTAssertEqual("\(error)", "tty /dev/ttyNOPE9 vanished during open (no such node)")
        }
        let pty = try PseudoTerminal()
        XCTAssertThrowsError(try SerialTransport(node: pty.slavePath, baud: 12345)) { error in
            XCTAssertTrue("\(error)".contains("unsupported baud rate 12345"), "\(error)")
        }
    }

    func testScriptedModemOnAFakeTTYThroughUMockDev() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-diag.umockdev")
        let folder = try Fixtures.temporaryDirectory()
        let script = "\(folder)/at.script"
        try "w 0 ATI^M\nr 10 ^M^JManufacturer: ZTE CORPORATION^M^JModel: MF823^M^J^M^JOK^M^J\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        try testbed.loadScript(node: "/dev/ttyUSB1", file: script)
        let transport = try SerialTransport(node: "/dev/ttyUSB1")
        defer { transport.close() }
        try transport.write(Array("ATI\r".utf8), deadline: .after(seconds: 2))
        let expected = "\r\nManufacturer: ZTE CORPORATION\r\nModel: MF823\r\n\r\nOK\r\n"
        let answer = try transport.read(exactly: expected.utf8.count, deadline: .after(seconds: 5))
        XCTAssertEqual(String(decoding: answer, as: UTF8.self), expected)
        withExtendedLifetime(testbed) {}
    }
}

