import ArgumentParser
import Foundation
import TermflashCore
import TermflashImages

/// `termflash erase`: erase a partition or a sector range of a unit in EDL.
struct EraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase a partition (by GPT label) or LUN/START+COUNT sectors of a unit in EDL.",
        discussion: "Back the region up first with 'termflash read'.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var edl: EDLOptions

    @Argument(help: "A GPT label (userdata) or LUN/START+COUNT in sectors.")
    var address: String

    @Flag(help: "Print what would be erased and stop.")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    struct Result: Encodable {
        var address: String
        var lun: Int
        var startSector: UInt64
        var sectors: UInt64
        var bytes: UInt64
        var erased: Bool
    }

    func run() throws {
        try reportingErrors {
            let parsed = try StorageAddress.parse(address)
            let connection = try EDLConnection(device: device.selection, session: session, edl: edl.settings, logger: global.makeLogger())
            defer { try? connection.close() }
            let (lun, start, count) = try connection.locate(parsed)
            if !dryRun {
                try connection.firehose.erase(lun: lun, startSector: String(start), sectors: count, sectorSize: connection.sectorSize)
            }
            try connection.close()
            let result = Result(address: address, lun: lun, startSector: start, sectors: count,
                                bytes: count * UInt64(connection.sectorSize), erased: !dryRun)
            if json { return try printJSON(result) }
            print("\(dryRun ? "would erase" : "erased") LUN \(lun) sectors \(start)+\(count) (\(humanBytes(result.bytes)))")
        }
    }
}
