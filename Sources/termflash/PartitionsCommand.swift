import ArgumentParser
import Foundation
import TermflashCore
import TermflashProtocols

/// `termflash partitions`: the partition table of a unit. NAND units (Streaming DLOAD) show
/// their MIBIB table, read from the chip through the programmer or decoded from a file.
struct PartitionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partitions", abstract: "Print a unit's partition table (NAND MIBIB through Streaming DLOAD, or a table file).")

    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions

    @Option(help: ArgumentHelp("Decode this MIBIB table file instead of asking a unit.", valueName: "file"))
    var table: String?

    @Option(help: ArgumentHelp("NAND programmer to upload first, when the unit is in DLOAD mode.", valueName: "file"))
    var programmer: String?

    @Option(help: "Erase-block size in bytes for a table file (a unit reports its own).")
    var blockSize: UInt64 = 131_072

    @Option(help: "Baud rate of the port.")
    var baud = 115_200

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let (mibib, blockSize, chipBytes) = try table.map { try fromFile($0) } ?? fromUnit()
            let regions = mibib.regions(blockSize: blockSize, chipBytes: chipBytes)
            if json { return try printJSON(NANDPartitionListing(form: mibib.form.rawValue, blockSize: blockSize, entries: mibib.entries, regions: regions)) }
            print("MIBIB \(mibib.form.rawValue) table, version \(mibib.version), \(mibib.entries.count) partitions, \(blockSize)-byte blocks")
            print("  name          start  blocks        offset          size  attributes")
            for (entry, region) in zip(mibib.entries, regions) {
                let blocks = entry.lengthBlocks == .max ? "rest" : String(entry.lengthBlocks)
                print("  " + [pad(entry.name, 12), pad(String(entry.offsetBlocks), 6, right: true), pad(blocks, 7, right: true),
                              pad(String(format: "0x%08llx", region.offset), 13, right: true),
                              pad(String(region.length), 13, right: true), entry.attributes.map(byteHex).joined()].joined(separator: " "))
            }
        }
    }

    private func fromFile(_ path: String) throws -> (MIBIBPartitionTable, UInt64, UInt64) {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("\(path) cannot be read") }
        let mibib = try MIBIBPartitionTable([UInt8](data))
        let end = mibib.entries.filter { $0.lengthBlocks != .max }.map { UInt64($0.offsetBlocks) + UInt64($0.lengthBlocks) }.max() ?? 0
        return (mibib, blockSize, end * blockSize)
    }

    private func fromUnit() throws -> (MIBIBPartitionTable, UInt64, UInt64) {
        guard let port = device.port ?? (session.replay != nil ? "replay" : nil) else {
            throw ValidationError("name the unit's download port with --port, or a table file with --table")
        }
        let opened = try TransportFactory(session: session).serial(port: port, baud: baud)
        defer { try? opened.finish() }
        if let programmer {
            guard let data = FileManager.default.contents(atPath: programmer) else { throw ValidationError("\(programmer) cannot be read") }
            let dload = DLoadSession(transport: opened.transport)
            try dload.nop()
            try dload.upload(programmer: [UInt8](data), to: StreamingDLoadBackend.programmerAddress)
        }
        let streaming = StreamingDLoadSession(transport: opened.transport)
        let hello = try streaming.hello()
        let mibib = try streaming.readPartitionTable()
        return (mibib, UInt64(hello.sectorSizes.first ?? 131_072), hello.sectorSizes.reduce(0) { $0 + UInt64($1) })
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}

/// `partitions --json` for NAND units.
struct NANDPartitionListing: Encodable {
    var form: String
    var blockSize: UInt64
    var entries: [MIBIBPartitionTable.Entry]
    var regions: [FlashRegion]
}
