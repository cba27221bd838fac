import TermflashCore

/// The sectors of a GPT ready to write: protective MBR + primary header + entries at LBA 0,
/// and backup entries + header at the end of the LUN.
public struct GPTImage: Sendable {
    /// LBA 0 up to the first usable LBA (protective MBR, primary header, primary entries).
    public let primary: [UInt8]
    /// Backup entries followed by the backup header; written at `backupStartLBA`.
    public let backup: [UInt8]
    /// First LBA of `backup`.
    public let backupStartLBA: UInt64
    /// The table as a parser reads it back.
    public let table: GPT
}

/// Builds a GPT for a LUN of `diskSectors` sectors of `sectorSize` bytes (512 or 4096).
public struct GPTBuilder {
    /// A partition to lay out.
    public struct Partition: Sendable {
        public var name: String
        public var typeGUID: GUID
        public var uniqueGUID: GUID
        /// Sectors to give it; nil grows it to the last usable LBA (only the last partition may).
        public var sectors: UInt64?
        /// Explicit first LBA; nil places it after the previous partition (aligned).
        public var firstLBA: UInt64?
        public var attributes: UInt64

        /// A partition.
        public init(name: String, typeGUID: GUID, uniqueGUID: GUID, sectors: UInt64?, firstLBA: UInt64? = nil, attributes: UInt64 = 0) {
            self.name = name
            self.typeGUID = typeGUID
            self.uniqueGUID = uniqueGUID
            self.sectors = sectors
            self.firstLBA = firstLBA
            self.attributes = attributes
        }
    }

    public var sectorSize: Int
    public var diskSectors: UInt64
    public var diskGUID: GUID
    public var partitions: [Partition]
    /// Entries in the array (128 is the UEFI minimum array of 16 KiB).
    public var entryCount: UInt32 = 128
    /// Automatic placement aligns first LBAs to this many sectors.
    public var alignmentSectors: UInt64 = 1

    /// A builder.
    public init(sectorSize: Int, diskSectors: UInt64, diskGUID: GUID, partitions: [Partition]) {
        self.sectorSize = sectorSize
        self.diskSectors = diskSectors
        self.diskGUID = diskGUID
        self.partitions = partitions
    }

    /// Sectors of the entry array.
    public var entryArraySectors: UInt64 { (UInt64(entryCount) * 128 + UInt64(sectorSize) - 1) / UInt64(sectorSize) }

    /// Lays the partitions out and encodes both copies; throws when they do not fit.
    public func build() throws -> GPTImage {
        precondition(sectorSize >= 512 && sectorSize & (sectorSize - 1) == 0, "sector size must be a power of two ≥ 512")
        let firstUsable = 2 + entryArraySectors
        guard diskSectors > 2 * firstUsable else {
            throw GPTError(field: "disk size", problem: "\(diskSectors) sectors cannot hold two copies of a \(entryCount)-entry table")
        }
        let lastUsable = diskSectors - 2 - entryArraySectors
        guard partitions.count <= Int(entryCount) else {
            throw GPTError(field: "NumberOfPartitionEntries", problem: "\(partitions.count) partitions do not fit \(entryCount) entries")
        }
        let placed = try place(firstUsable: firstUsable, lastUsable: lastUsable)
        let entries = GPT(header: GPTHeader(myLBA: 1, alternateLBA: 0, firstUsableLBA: 0, lastUsableLBA: 0, diskGUID: diskGUID,
                                            partitionEntryLBA: 0, numberOfPartitionEntries: entryCount, sizeOfPartitionEntry: 128),
                          partitions: placed, sectorSize: sectorSize).encodedEntries()
        let paddedEntries = entries + [UInt8](repeating: 0, count: Int(entryArraySectors) * sectorSize - entries.count)
        var primary = GPTHeader(myLBA: 1, alternateLBA: diskSectors - 1, firstUsableLBA: firstUsable, lastUsableLBA: lastUsable,
                                diskGUID: diskGUID, partitionEntryLBA: 2, numberOfPartitionEntries: entryCount, sizeOfPartitionEntry: 128)
        primary.partitionEntryArrayCRC32 = CRC32.checksum(entries)
        var backup = primary
        backup.myLBA = diskSectors - 1
        backup.alternateLBA = 1
        backup.partitionEntryLBA = diskSectors - 1 - entryArraySectors
        let primaryHeader = primary.encoded(sectorSize: sectorSize)
        let table = try GPT.parse(lba1: primaryHeader, entries: entries, sectorSize: sectorSize)
        return GPTImage(
            primary: ProtectiveMBR.sector(diskSectors: diskSectors, sectorSize: sectorSize) + primaryHeader + paddedEntries,
            backup: paddedEntries + backup.encoded(sectorSize: sectorSize),
            backupStartLBA: backup.partitionEntryLBA, table: table)
    }

    private func place(firstUsable: UInt64, lastUsable: UInt64) throws -> [GPTPartition] {
        var next = firstUsable
        var placed: [GPTPartition] = []
        for (index, partition) in partitions.enumerated() {
            guard partition.name.utf16.count <= 36 else {
                throw GPTError(field: "entry \(index) PartitionName", problem: "'\(partition.name)' is longer than 36 UTF-16 code units")
            }
            let first = partition.firstLBA ?? (next + alignmentSectors - 1) / alignmentSectors * alignmentSectors
            let last: UInt64
            if let sectors = partition.sectors {
                guard sectors > 0 else { throw GPTError(field: "entry \(index) (\(partition.name)) size", problem: "is 0 sectors") }
                last = first + sectors - 1
            } else {
                guard index == partitions.count - 1 else {
                    throw GPTError(field: "entry \(index) (\(partition.name)) size", problem: "only the last partition may grow to the end of the disk")
                }
                last = lastUsable
            }
            guard first >= next || partition.firstLBA != nil, first >= firstUsable, last <= lastUsable, first <= last else {
                throw GPTError(field: "entry \(index) (\(partition.name)) StartingLBA/EndingLBA",
                               problem: "\(first)–\(last) does not fit the usable LBAs \(firstUsable)–\(lastUsable) after the previous partitions")
            }
            placed.append(GPTPartition(index: index, name: partition.name, typeGUID: partition.typeGUID, uniqueGUID: partition.uniqueGUID,
                                       firstLBA: first, lastLBA: last, attributes: partition.attributes))
            next = last + 1
        }
        return placed
    }
}

/// The protective MBR in front of a GPT (UEFI 2.10 §5.2.3): one partition of type 0xEE over the whole disk.
public enum ProtectiveMBR {
    /// LBA 0 for a disk of `diskSectors` sectors, padded to `sectorSize`.
    public static func sector(diskSectors: UInt64, sectorSize: Int) -> [UInt8] {
        var sector = [UInt8](repeating: 0, count: sectorSize)
        var entry = ByteWriter()
        entry.write([0x00, 0x00, 0x02, 0x00, 0xEE, 0xFF, 0xFF, 0xFF])
        entry.write(UInt32(1), endianness: .little)
        entry.write(UInt32(min(max(diskSectors, 1) - 1, 0xFFFF_FFFF)), endianness: .little)
        sector.replaceSubrange(446..<462, with: entry.bytes)
        sector[510] = 0x55
        sector[511] = 0xAA
        return sector
    }

    /// True when `sector` is a protective MBR (signature 55 AA and a type 0xEE first partition).
    public static func isProtective(_ sector: [UInt8]) -> Bool {
        sector.count >= 512 && sector[510] == 0x55 && sector[511] == 0xAA && sector[450] == 0xEE
    }
}
