import ArgumentParser
import Foundation
import TermflashCore
import TermflashProtocols

/// `partitions` for NAND units: the MIBIB table read from the chip through a Streaming DLOAD
/// programmer (uploaded first over DLOAD when one is given), or decoded from a table file.
struct NANDPartitions {
    let device: DeviceSelectionOptions
    let session: SessionOptions
    let programmer: String?
    let table: String?
    let blockSize: UInt64
    let json: Bool
    var baud = 115_200

    func run() throws {
        let (mibib, blockSize, chipBytes) = try table.map { try fromFile($0) } ?? fromUnit()
        let regions = mibib.regions(blockSize: blockSize, chipBytes: chipBytes)
        if json { return try printJSON(NANDPartitionListing(form: mibib.form.rawValue, blockSize: blockSize, entries: mibib.entries, regions: regions)) }
        print("MIBIB \(mibib.form.rawValue) table, version \(mibib.version), \(mibib.entries.count) partitions, \(blockSize)-byte blocks")
        print("  name          start  blocks        offset          size  attributes")
        for (entry, region) in zip(mibib.entries, regions) {
            let blocks = entry.lengthBlocks == .max ? "rest" : String(entry.lengthBlocks)
            print("  " + [pad(entry.name, 12), pad(String(entry.offsetBlocks), 6, right: true), pad(blocks, 7, right: true),
                          pad(String(format: "0x%08llx", region.offset), 13, right: true),
                          pad(entry.lengthBlocks == .max && region.length == 0 ? "rest" : String(region.length), 13, right: true), entry.attributes.map(byteHex).joined()].joined(separator: " "))
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
