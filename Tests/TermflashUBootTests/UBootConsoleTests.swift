import Foundation
import TermflashCore
import TermflashHardware
import TermflashProtocols
import TermflashSimulator
import TestSupport
import XCTest

/// The console driver on the real serial transport, opposite a simulated U-Boot on a pty.
final class UBootConsoleTests: XCTestCase {
    func testAttachInterruptsAutobootAndRunsACommand() throws {
        let board = try SimulatedBoard()
        let console = try board.connect()
        let banner = try console.attach()
        XCTAssertTrue(banner.contains("Hit any key to stop autoboot"), banner)
        XCTAssertEqual(try console.run("version"), ["U-Boot 2023.01 (termflash simulator)"])
    }

    func testMissedAutobootWindowEndsWithNoPrompt() throws {
        var configuration = UBootSimulator.Configuration()
        configuration.bootDelaySeconds = 0.05
        let board = try SimulatedBoard(configuration: configuration, powerOnAtFirstByte: false)
        Thread.sleep(forTimeInterval: 0.3)  // the board boots before the host starts interrupting
        let console = try board.connect(attachTimeout: 1)
        XCTAssertThrowsError(try console.attach()) { error in
            guard case UBootError.noPrompt = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("within 1.0 s"), "\(error)")
            XCTAssertEqual((error as? UBootError)?.exitStatus, .timedOut)
        }
    }

    func testYModemUploadWithLateStartThenCRC32AndMemoryDump() throws {
        var configuration = UBootSimulator.Configuration()
        configuration.ymodemStartDelaySeconds = 0.5
        let board = try SimulatedBoard(configuration: configuration)
        let console = try board.connect()
        try console.attach()
        let image = pattern(3000, seed: 7)
        var progress: [UInt64] = []
        let size = try console.upload(MemoryByteSource(image), variant: .ymodem, to: 0x4020_0000) { done, _ in progress.append(done) }
        XCTAssertEqual(size, 3000)
        XCTAssertEqual(progress.last, 3000)
        XCTAssertEqual(try console.crc32(address: 0x4020_0000, length: 3000), CRC32.checksum(image))
        XCTAssertEqual(try console.readMemory(address: 0x4020_0000 + 5, length: 100), Array(image[5..<105]))
    }

    func testXModemUploadKeepsPaddingInFileSize() throws {
        let board = try SimulatedBoard()
        let console = try board.connect()
        try console.attach()
        let image = pattern(1500, seed: 9)
        XCTAssertEqual(try console.upload(MemoryByteSource(image), variant: .xmodem1K, to: 0x4020_0000), 2048)
        try console.verifyCRC32(address: 0x4020_0000, length: 1500, expected: CRC32.checksum(image), what: "upload")
        XCTAssertThrowsError(try console.verifyCRC32(address: 0x4020_0000, length: 1500, expected: 0x1234, what: "upload")) { error in
            XCTAssertTrue("\(error)".contains("the host 00001234"), "\(error)")
        }
    }

    func testFailuresInOutputStopWithTheLine() throws {
        var configuration = UBootSimulator.Configuration()
        configuration.missingCommands = ["sf"]
        configuration.badBlocks = [0x40000]
        let board = try SimulatedBoard(configuration: configuration)
        let console = try board.connect()
        try console.attach()
        XCTAssertThrowsError(try console.run("sf probe")) { error in
            guard case let UBootError.commandFailed(command, line, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(command, "sf probe")
            XCTAssertEqual(line, "Unknown command 'sf' - try 'help'")
        }
        XCTAssertThrowsError(try console.run("nand erase 0x20000 0x40000", expectOK: true)) { error in
            guard case let UBootError.commandFailed(_, line, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(line.contains("bad block"), line)
            XCTAssertTrue((error as? UBootError)?.advice?.contains("nand bad") == true)
        }
        XCTAssertNoThrow(try console.run("nand erase 0x80000 0x20000", expectOK: true))
    }

    func testMemoryDumpParserRejectsALostLine() {
        let lines = ["40200000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f    ................",
                     "40200020: 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f     !\"#$%&'()*+,-./"]
        XCTAssertThrowsError(try MemoryDump.parse(lines, from: 0x4020_0000, length: 32, command: "md.b")) { error in
            XCTAssertTrue("\(error)".contains("line at 0x40200020 where 0x40200010 was due"), "\(error)")
        }
        let short = ["40200000: 41 42 43                                        ABC"]
        XCTAssertEqual(try MemoryDump.parse(short, from: 0x4020_0000, length: 3, command: "md.b"), [0x41, 0x42, 0x43])
    }
}

/// A simulated U-Boot board on a pty, served on its own thread.
final class SimulatedBoard {
    let port: SimulatedSerialPort
    let simulator: UBootSimulator
    let folder: String
    private var host: SerialTransport?

    init(configuration: UBootSimulator.Configuration = UBootSimulator.Configuration(),
         chips: [UBootSimulator.Chip] = [UBootSimulator.Chip(kind: .nand, lun: 0, eraseBlockSize: 0x20000)],
         sizes: [UInt64] = [0x100_0000], powerOnAtFirstByte: Bool = true) throws {
        let folder = try Fixtures.temporaryDirectory("uboot")
        self.folder = folder
        let store = try FlashStore(paths: sizes.indices.map { "\(folder)/chip\($0).bin" }, sizes: sizes, sectorSize: 512)
        port = try SimulatedSerialPort()
        var configuration = configuration
        configuration.powerOnAtFirstByte = powerOnAtFirstByte
        let simulator = UBootSimulator(store: store, chips: chips, configuration: configuration)
        self.simulator = simulator
        let device = port.device
        Thread.detachNewThread { simulator.serve(over: device) }
    }

    /// The host's console on the pty slave through the real serial transport.
    func connect(attachTimeout: Double = 10) throws -> UBootConsole {
        let transport = try SerialTransport(node: port.path)
        host = transport
        return UBootConsole(transport: transport, settings: .init(prompt: simulator.configuration.prompt,
                                                                   attachTimeoutSeconds: attachTimeout, commandTimeoutSeconds: 10))
    }

    deinit {
        host?.close()
        port.device.close()
    }
}
