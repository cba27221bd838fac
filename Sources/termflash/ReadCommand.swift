import ArgumentParser
import Foundation
import TermflashCore
import TermflashCrypto
import TermflashImages

/// `termflash read`: back up a partition or a sector range of a unit in EDL to a file.
struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Back up a partition (by GPT label) or LUN/START+COUNT sectors to a file.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var edl: EDLOptions

    @Argument(help: "A GPT label (modem) or LUN/START+COUNT in sectors (0/34+8192).")
    var address: String

    @Option(name: .shortAndLong, help: ArgumentHelp("File to write.", valueName: "file"))
    var output: String

    @Flag(help: "Print what would be read and stop.")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    struct Result: Encodable {
        var address: String
        var lun: Int
        var startSector: UInt64
        var sectors: UInt64
        var bytes: UInt64
        var file: String
        var sha256: String?
    }

    func run() throws {
        try reportingErrors {
            let parsed = try StorageAddress.parse(address)
            let connection = try EDLConnection(device: device.selection, session: session, edl: edl.settings, logger: global.makeLogger())
            defer { try? connection.close() }
            let (lun, start, count) = try connection.locate(parsed)
            var result = Result(address: address, lun: lun, startSector: start, sectors: count,
                                bytes: count * UInt64(connection.sectorSize), file: output)
            if dryRun { return try render(result, dry: true) }
            result.sha256 = try copy(connection, lun: lun, start: start, count: count)
            try connection.close()
            try render(result, dry: false)
        }
    }

    private func copy(_ connection: EDLConnection, lun: Int, start: UInt64, count: UInt64) throws -> String {
        guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
            throw ValidationError("\(output) cannot be created; choose another path with -o")
        }
        defer { try? handle.close() }
        let sha = SHA256()
        let progress = TerminalProgress(label: "read")
        try connection.firehose.read(lun: lun, startSector: String(start), sectors: count, sectorSize: connection.sectorSize, into: { chunk in
            sha.update(Array(chunk))
            try handle.write(contentsOf: Data(chunk))
        }, progress: progress.update)
        progress.finish()
        return sha.finish().hexString
    }

    private func render(_ result: Result, dry: Bool) throws {
        if json { return try printJSON(result) }
        let what = "LUN \(result.lun) sectors \(result.startSector)+\(result.sectors) (\(humanBytes(result.bytes)))"
        print(dry ? "would read \(what) -> \(result.file)" : "read \(what) -> \(result.file), sha256 \(result.sha256 ?? "?")")
    }
}

extension StorageAddress {
    /// Whether it names a GPT label (a GPT must be read to resolve it).
    var isLabel: Bool {
        if case .label = self { return true }
        return false
    }
}

/// A one-line progress display on standard error, only when it is a terminal.
final class TerminalProgress {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private var lastPercent = -1

    init(label: String) { self.label = label }

    func update(_ done: UInt64, _ total: UInt64) {
        guard enabled, total > 0 else { return }
        let percent = Int(done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label) \(percent)% (\(humanBytes(done)) of \(humanBytes(total)))".utf8))
    }

    func finish() {
        if enabled, lastPercent >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
