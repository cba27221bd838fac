import ArgumentParser
import Foundation
import TermflashCore
import TermflashProtocols
import TermflashSimulator

/// What the simulated Qualcomm NAND modem is made of, and the faults it injects.
struct SimulatedModemOptions: ParsableArguments {
    @Option(help: ArgumentHelp("File holding the simulated NAND (created sparse when missing).", valueName: "file"))
    var nand = "termflash-simulated-nand.bin"

    @Option(help: "Size of the NAND in MiB.")
    var sizeMib: UInt64 = 64

    @Option(help: ArgumentHelp("MIBIB partition table (read form) to hold; default: a small MDM9x15-like layout.", valueName: "file"))
    var partitionTable: String?

    @Option(help: ArgumentHelp("The table (write form) the unit holds, compared with the one a host sends.", valueName: "file"))
    var writeTable: String?

    @Option(help: "Stream writes a host may have unanswered.")
    var window: UInt16 = 8

    @Option(help: "Largest stream-write payload the programmer prefers, in bytes.")
    var blockSize: UInt32 = 1024

    @Option(help: "Fault: corrupt the CRC of reply N (counted from 1; repeatable).")
    var corruptReply: [Int] = []

    @Option(help: "Fault: drop a byte from reply N (repeatable).")
    var dropByteInReply: [Int] = []

    @Option(help: "Fault: NAK programmer block N (WRITE32, counted from 1).")
    var nakBlock: Int?

    @Option(help: "Fault: answer stream write N with an error packet.")
    var errorAtWrite: Int?

    @Option(help: "Fault: reset (leave) after this many streamed bytes.")
    var resetAfter: UInt64?

    func makeDevice(mode: QualcommHDLCDevice.Mode) throws -> QualcommHDLCDevice {
        var faults = HDLCDeviceFaults()
        faults.corruptCRCInReplies = Set(corruptReply)
        faults.dropBytesInReplies = Set(dropByteInReply)
        faults.nakWrite32Block = nakBlock
        faults.errorAtStreamWrite = errorAtWrite
        faults.resetAfterStreamedBytes = resetAfter
        let table = try partitionTable.map { try MIBIBPartitionTable(try bytes(of: $0)) } ?? QualcommHDLCDevice.defaultTable()
        let writeForm = try writeTable.map(bytes(of:)) ?? MIBIBPartitionTable(form: .write, entries: table.entries).bytes
        let store = try FlashStore(paths: [nand], sizes: [sizeMib << 20], sectorSize: 2048)
        let device = try QualcommHDLCDevice(store: store, table: table, writeForm: writeForm, mode: mode,
                                            nvItems: QualcommHDLCDevice.sampleNVItems, faults: faults)
        device.windowSize = window
        device.maxBlockSize = blockSize
        return device
    }

    private func bytes(of path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path) cannot be read")
        }
        return [UInt8](data)
    }

    func validate() throws {
        if sizeMib == 0 || sizeMib > 4096 { throw ValidationError("--size-mib must be 1 to 4096") }
        if window == 0 { throw ValidationError("--window must be at least 1") }
        if blockSize == 0 || blockSize > 1 << 20 { throw ValidationError("--block-size must be 1 to 1048576") }
    }
}

/// Serves one simulated device on a pty until it leaves or termflash is stopped; each host
/// that opens the port and closes it again finds the device as it left it.
enum PTYServer {
    static func serve(_ device: QualcommHDLCDevice, on port: PTYDevicePort) {
        while device.mode != .gone {
            port.waitForHost()
            device.serve(port)
        }
        port.close()
    }

    static func announce(_ lines: [String]) {
        for line in lines { print(line) }
        fflush(stdout)
    }
}

/// `termflash simulate streaming-dload --pty`: a NAND modem in DMSS download mode that takes
/// a programmer and then speaks Streaming DLOAD, on a pseudo-terminal.
struct SimulateStreamingDLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streaming-dload",
        abstract: "A Qualcomm NAND modem in download mode (DLOAD, then Streaming DLOAD) on a pty.",
        discussion: "Prints 'port /dev/pts/N'; flash it with: termflash flash --backend streaming-dload --port /dev/pts/N --programmer FILE ...")

    @Flag(help: "Serve on a pseudo-terminal (the only transport the command line offers).")
    var pty = false

    @Flag(help: "Start with the programmer already running (Streaming DLOAD at once).")
    var programmerRunning = false

    @OptionGroup var modem: SimulatedModemOptions

    func run() throws {
        SimulateCommand.acceptTerminationSignals()
        let device = try modem.makeDevice(mode: programmerRunning ? .streaming : .download)
        let port = try PTYDevicePort()
        PTYServer.announce(["port \(port.slavePath)"])
        PTYServer.serve(device, on: port)
        FileHandle.standardError.write(Data("device left after \(device.record.streamedBytes) streamed bytes\n".utf8))
    }
}

/// `termflash simulate diag --pty`: a ZTE modem in diagnostic mode: a DIAG port (which
/// turns into the download port after DIAG 0x3A) and an AT port, each on a pty.
struct SimulateDIAGCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diag",
        abstract: "A ZTE modem in diagnostic mode: DIAG port and AT port on ptys.",
        discussion: "Prints 'diag /dev/pts/N' and 'at /dev/pts/M'. After DIAG 0x3A the DIAG port speaks DLOAD (the re-enumerated download port).")

    @Flag(help: "Serve on pseudo-terminals (the only transport the command line offers).")
    var pty = false

    @OptionGroup var modem: SimulatedModemOptions

    func run() throws {
        SimulateCommand.acceptTerminationSignals()
        let device = try modem.makeDevice(mode: .diag)
        let diagPort = try PTYDevicePort()
        let atPort = try PTYDevicePort()
        let modemPort = ZTEATPort()
        modemPort.onSwitch = { argument in
            FileHandle.standardError.write(Data("AT switch \(argument): a real unit would re-enumerate now\n".utf8))
        }
        Thread.detachNewThread {
            while true {
                atPort.waitForHost()
                modemPort.serve(atPort)
            }
        }
        PTYServer.announce(["diag \(diagPort.slavePath)", "at \(atPort.slavePath)"])
        PTYServer.serve(device, on: diagPort)
    }
}
