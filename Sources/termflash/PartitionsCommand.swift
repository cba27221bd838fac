import ArgumentParser
import Foundation
import TermflashCore
import TermflashImages

/// `termflash partitions`: the partition tables of a unit, read through its download protocol:
/// the GPT of each LUN over EDL, or the NAND MIBIB through a Streaming DLOAD programmer.
struct PartitionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partitions", abstract: "Read and print the partition tables of a unit (GPT per LUN over EDL, NAND MIBIB over Streaming DLOAD).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var edl: EDLOptions

    @Option(help: "Protocol to read through: edl (GPT per LUN) or streaming-dload (NAND MIBIB; --programmer uploads a NAND programmer over DLOAD).")
    var backend = "edl"

    @Option(help: ArgumentHelp("Decode this NAND MIBIB table file instead of asking a unit.", valueName: "file"))
    var table: String?

    @Option(help: "Erase-block size in bytes for a NAND table file (a unit reports its own).")
    var blockSize: UInt64 = 131_072

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard ["edl", "streaming-dload"].contains(backend) else { throw ValidationError("--backend must be one of: edl, streaming-dload") }
    }

    struct Row: Encodable {
        var lun: Int
        var index: Int
        var name: String
        var firstLBA: UInt64
        var lastLBA: UInt64
        var sectors: UInt64
        var bytes: UInt64
        var typeGUID: String
        var attributes: String
    }

    func run() throws {
        if table != nil || backend == "streaming-dload" {
            return try reportingErrors {
                try NANDPartitions(device: device, session: session, programmer: edl.programmer, table: table, blockSize: blockSize, json: json).run()
            }
        }
        try reportingErrors {
            let logger = global.makeLogger()
            let connection = try EDLConnection(device: device.selection, session: session, edl: edl.settings, logger: logger)
            let tables = connection.readGPTs()
            let size = UInt64(connection.sectorSize)
            try connection.close()
            let rows = tables.keys.sorted().flatMap { lun in
                tables[lun]!.partitions.map {
                    Row(lun: lun, index: $0.index, name: $0.name, firstLBA: $0.firstLBA, lastLBA: $0.lastLBA, sectors: $0.sectorCount,
                        bytes: $0.sectorCount * size, typeGUID: $0.typeGUID.description, attributes: "0x" + String($0.attributes, radix: 16))
                }
            }
            if json { return try printJSON(rows) }
            guard !tables.isEmpty else { return print("no LUN holds a GPT (a blank or bricked unit: flash a rawprogram set)") }
            print("LUN   #  name                              first LBA    last LBA        size")
            for row in rows {
                print(column(String(row.lun), 3, right: true) + column(String(row.index), 4, right: true) + "  " + column(row.name, 32)
                      + column(String(row.firstLBA), 11, right: true) + column(String(row.lastLBA), 12, right: true)
                      + column(humanBytes(row.bytes), 12, right: true))
            }
        }
    }
}

/// `text` padded with spaces to `width` (on the left when `right`).
func column(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

/// `12.0 MiB`, `512 B`.
func humanBytes(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
