import ArgumentParser
import Foundation
import TermflashCore
import TermflashProfiles
import TermflashProtocols

/// `termflash nv`: Qualcomm NV items over DIAG.
struct NVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nv", abstract: "Read, back up and (where a profile allows) write Qualcomm NV items over DIAG.",
        discussion: "Identity items (IMEI = NV 550, ESN, MEID and identity calibration) are never written.",
        subcommands: [NVReadCommand.self, NVBackupCommand.self, NVWriteCommand.self])
}

/// The DIAG port options every `nv` subcommand takes.
struct DIAGPortOptions: ParsableArguments {
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions

    @Option(help: "Baud rate of the DIAG port.")
    var baud = 115_200

    /// Runs `body` with a DIAG session on `--port` (or a replay), closing it afterwards.
    func withDIAG<T>(_ body: (DIAGSession) throws -> T) throws -> T {
        guard let port = device.port ?? (session.replay != nil ? "replay" : nil) else {
            throw ValidationError("name the DIAG port with --port (e.g. /dev/ttyUSB0 of a unit in diagnostic mode, see `termflash mode --to diag`)")
        }
        let opened = try TransportFactory(session: session).serial(port: port, baud: baud)
        do {
            let result = try body(DIAGSession(transport: opened.transport))
            try opened.finish()
            return result
        } catch {
            try? opened.finish()
            throw error
        }
    }
}

/// One NV item as `nv read --json` and `nv backup` write it.
struct NVItemRecord: Codable {
    var item: Int
    var index: Int?
    /// The 128 data bytes, hex.
    var data: String
}

/// `termflash nv read ITEM`.
struct NVReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read", abstract: "Read one NV item (hex dump).")

    @OptionGroup var port: DIAGPortOptions

    @Argument(help: "NV item number, e.g. 550 or 0x226.")
    var item: String

    @Option(help: "Index, for indexed items (DIAG 0x4B 0x30 0x01 0x00).")
    var index: UInt16?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let number = try NVItemNumber.parse(item)
            let reply = try port.withDIAG { try $0.readNV(item: number, index: index) }
            let record = NVItemRecord(item: Int(number), index: index.map(Int.init), data: reply.data.map(byteHex).joined())
            if json { return try printJSON(record) }
            print("NV \(number)" + (index.map { " index \($0)" } ?? "") + ":")
            for row in stride(from: 0, to: reply.data.count, by: 16) {
                let bytes = reply.data[row..<min(row + 16, reply.data.count)]
                print(String(format: "  %04x  ", row) + bytes.map(byteHex).joined(separator: " "))
            }
        }
    }
}

/// `termflash nv backup FILE`: every readable item to JSON.
struct NVBackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Read every readable NV item in a range into a JSON file.")

    @OptionGroup var port: DIAGPortOptions

    @Argument(help: "The JSON file to write.")
    var file: String

    @Option(help: "First item to try.")
    var first: UInt16 = 0

    @Option(help: "Last item to try.")
    var last: UInt16 = 7_999

    func validate() throws {
        if first > last { throw ValidationError("--first must not be past --last") }
    }

    func run() throws {
        try reportingErrors {
            let backup = try port.withDIAG { diag -> NVBackup in
                var items: [NVItemRecord] = []
                var skipped = 0
                for number in first...last {
                    do {
                        let reply = try diag.readNV(item: number)
                        items.append(NVItemRecord(item: Int(number), index: nil, data: reply.data.map(byteHex).joined()))
                    } catch DIAGError.nvStatus, DIAGError.rejected {
                        skipped += 1
                    }
                }
                return NVBackup(firmware: (try? diag.identity())?.firmwareBuild, first: Int(first), last: Int(last), items: items,
                                unreadable: skipped)
            }
            try JSONEncoder.termflash.encode(backup).write(to: URL(fileURLWithPath: file))
            print("\(backup.items.count) NV items saved to \(file) (\(backup.unreadable) of \(Int(last) - Int(first) + 1) not readable: inactive, undefined or refused)")
        }
    }
}

/// The file `nv backup` writes.
struct NVBackup: Codable {
    var firmware: String?
    var first: Int
    var last: Int
    var items: [NVItemRecord]
    var unreadable: Int
}

/// `termflash nv write ITEM HEX --profile ID`: only allow-listed, never identity items.
struct NVWriteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write", abstract: "Write one NV item the device profile allow-lists (identity items never).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var port: DIAGPortOptions

    @Argument(help: "NV item number.")
    var item: String

    @Argument(help: "Data in hex (up to 128 bytes; padded with zeros).")
    var data: String

    @Option(help: "Device profile whose nvWriteAllowList permits the item.")
    var profile: String

    @Option(help: "Service programming code, when the unit asks for one.")
    var spc: String?

    func run() throws {
        try reportingErrors {
            let number = try NVItemNumber.parse(item)
            guard let bytes = NVItemNumber.bytes(fromHex: data), bytes.count <= DIAGRequest.nvDataSize else {
                throw ValidationError("the data must be hex, at most 128 bytes")
            }
            if let name = NVWritePolicy.identityItems[Int(number)] { throw DIAGError.identityItem(item: number, name: name) }
            let library = try global.loadProfiles(logger: global.makeLogger())
            let device = try library.requireProfile(id: profile)
            try port.withDIAG { diag in
                if let spc { try diag.sendSPC(spc) }
                try diag.writeNV(item: number, data: bytes, allowList: device.nvWriteAllowList, profile: device.id)
            }
            print("NV \(number) written")
        }
    }
}

/// NV item numbers as users type them: decimal or 0x hex.
enum NVItemNumber {
    /// Bytes from hex text (spaces allowed), or `nil`.
    static func bytes(fromHex text: String) -> [UInt8]? {
        let digits = Array(text.filter { !$0.isWhitespace })
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    static func parse(_ text: String) throws -> UInt16 {
        let value = text.lowercased().hasPrefix("0x") ? UInt16(text.dropFirst(2), radix: 16) : UInt16(text)
        guard let value else { throw ValidationError("'\(text)' is not an NV item number (0 to 65535, decimal or 0x hex)") }
        return value
    }
}
