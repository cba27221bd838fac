import TermflashCore

/// One used entry of a GPT partition entry array (UEFI 2.10 §5.3.3).
public struct GPTPartition: Hashable, Sendable {
    /// 0-based index in the entry array.
    public var index: Int
    /// Partition name (UTF-16LE, up to 36 code units), e.g. `modem`.
    public var name: String
    public var typeGUID: GUID
    public var uniqueGUID: GUID
    public var firstLBA: UInt64
    /// Last LBA, inclusive.
    public var lastLBA: UInt64
    public var attributes: UInt64

    /// Sectors the partition spans.
    public var sectorCount: UInt64 { lastLBA - firstLBA + 1 }

    /// The 128-byte entry (zero-padded to `entrySize`).
    func encoded(entrySize: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(typeGUID.bytes)
        writer.write(uniqueGUID.bytes)
        writer.write(firstLBA, endianness: .little)
        writer.write(lastLBA, endianness: .little)
        writer.write(attributes, endianness: .little)
        for unit in name.utf16.prefix(36) { writer.write(unit, endianness: .little) }
        return writer.bytes + [UInt8](repeating: 0, count: entrySize - writer.bytes.count)
    }
}

/// A parsed and checked GUID partition table of one LUN.
public struct GPT: Hashable, Sendable {
    /// The header.
    public let header: GPTHeader
    /// Used entries, in entry-array order.
    public let partitions: [GPTPartition]
    /// Sector size the table was read with.
    public let sectorSize: Int

    /// Parses the header sector (`lba1`, or the last LBA for the backup) and its entry array,
    /// checking both CRCs and every used entry; errors name the field at fault.
    public static func parse(lba1: [UInt8], entries: [UInt8], sectorSize: Int) throws -> GPT {
        let header = try GPTHeader.parse(Array(lba1.prefix(sectorSize)))
        let needed = header.entryArrayByteCount
        guard entries.count >= needed else {
            throw GPTError(field: "PartitionEntryArray", problem: "needs \(needed) bytes (\(header.numberOfPartitionEntries) × \(header.sizeOfPartitionEntry)), got \(entries.count)")
        }
        let array = Array(entries.prefix(needed))
        let computed = CRC32.checksum(array)
        guard computed == header.partitionEntryArrayCRC32 else {
            throw GPTError(field: "PartitionEntryArrayCRC32", problem: String(
                format: "is 0x%08x but the %d entry bytes give 0x%08x", header.partitionEntryArrayCRC32, needed, computed))
        }
        var partitions: [GPTPartition] = []
        for index in 0..<Int(header.numberOfPartitionEntries) {
            let start = index * Int(header.sizeOfPartitionEntry)
            if let partition = try parseEntry(Array(array[start..<start + 128]), index: index, header: header) {
                partitions.append(partition)
            }
        }
        return GPT(header: header, partitions: partitions, sectorSize: sectorSize)
    }

    /// The partition named `name`, matching exactly and then ignoring case.
    public func partition(named name: String) -> GPTPartition? {
        partitions.first { $0.name == name } ?? partitions.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The entry array as stored (for writing a table).
    public func encodedEntries() -> [UInt8] {
        let size = Int(header.sizeOfPartitionEntry)
        var bytes = [UInt8](repeating: 0, count: header.entryArrayByteCount)
        for partition in partitions {
            bytes.replaceSubrange(partition.index * size..<(partition.index + 1) * size, with: partition.encoded(entrySize: size))
        }
        return bytes
    }

    private static func parseEntry(_ bytes: [UInt8], index: Int, header: GPTHeader) throws -> GPTPartition? {
        var reader = ByteReader(bytes)
        let type = GUID(diskBytes: try reader.read(count: 16))
        guard type != .zero else { return nil }
        let unique = GUID(diskBytes: try reader.read(count: 16))
        let first = try reader.read(UInt64.self, endianness: .little)
        let last = try reader.read(UInt64.self, endianness: .little)
        let attributes = try reader.read(UInt64.self, endianness: .little)
        var units: [UInt16] = []
        for _ in 0..<36 {
            let unit = try reader.read(UInt16.self, endianness: .little)
            if unit == 0 { break }
            units.append(unit)
        }
        let name = String(decoding: units, as: UTF16.self)
        guard first <= last else {
            throw GPTError(field: "entry \(index) (\(name)) StartingLBA", problem: "\(first) is after EndingLBA \(last)")
        }
        guard first >= header.firstUsableLBA, last <= header.lastUsableLBA else {
            throw GPTError(field: "entry \(index) (\(name)) StartingLBA/EndingLBA",
                           problem: "\(first)–\(last) is outside the usable LBAs \(header.firstUsableLBA)–\(header.lastUsableLBA)")
        }
        return GPTPartition(index: index, name: name, typeGUID: type, uniqueGUID: unique, firstLBA: first, lastLBA: last, attributes: attributes)
    }
}

import Foundation
