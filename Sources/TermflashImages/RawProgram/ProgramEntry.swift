/// One `<program>` of a rawprogram file: an image (or nothing) for a range of sectors on a LUN.
public struct ProgramEntry: Hashable, Sendable {
    /// Partition label (`label`), possibly empty.
    public var label: String
    /// Physical partition: UFS LUN or eMMC area (`physical_partition_number`).
    public var lun: Int
    /// First sector (`start_sector`), possibly `NUM_DISK_SECTORS-N.`.
    public var start: SectorExpression
    /// Sectors reserved for the image (`num_partition_sectors`); 0 means "as many as the image needs".
    public var numSectors: UInt64
    /// Sector size in bytes (`SECTOR_SIZE_IN_BYTES`).
    public var sectorSize: Int
    /// Image file name (`filename`); empty means the entry writes nothing.
    public var filename: String
    /// Sectors to skip at the start of the image file (`file_sector_offset`).
    public var fileSectorOffset: UInt64
    /// The image is an Android sparse image (`sparse="true"`).
    public var sparse: Bool
    /// Read back and compare after writing (`readbackverify`).
    public var readBackVerify: Bool
    /// Part of one image split over several entries (`partofsingleimage`).
    public var partOfSingleImage: Bool
    /// Size as the generating tool computed it (`size_in_KB`), for display only.
    public var sizeInKB: Double?
    /// Byte address (`start_byte_hex`), e.g. `0x4400` or `(4096*NUM_DISK_SECTORS)-20480.`.
    public var startByte: Expression?
    /// NAND only: pages per erase block (`PAGES_PER_BLOCK`).
    public var pagesPerBlock: UInt64?
    /// NAND only: last sector of the region (`last_sector`).
    public var lastSector: UInt64?
    /// Every attribute as written, including ones not modelled above.
    public var attributes: [String: String]
    /// File, line and entry number.
    public var location: EntryLocation

    /// True when the entry names an image to write.
    public var hasImage: Bool { !filename.isEmpty }

    /// Bytes reserved on the device (`numSectors × sectorSize`).
    public var byteCount: UInt64 { numSectors * UInt64(sectorSize) }

    /// Sectors to write for an image of `imageBytes` bytes: the image rounded up to whole sectors
    /// (the last one zero-padded), or all of `numSectors` when that is 0 or larger.
    public func sectorsToWrite(imageBytes: UInt64) -> UInt64 {
        let needed = (imageBytes + UInt64(sectorSize) - 1) / UInt64(sectorSize)
        return numSectors == 0 ? needed : min(numSectors, needed)
    }
}

extension ProgramEntry {
    /// Reads a `<program>` element's attributes.
    init(reading reader: AttributeReader) throws {
        label = reader.optional("label") ?? ""
        lun = try reader.lun()
        start = try reader.sector("start_sector")
        sectorSize = try reader.sectorSize()
        numSectors = try reader.sectors("num_partition_sectors", sectorSize: sectorSize)
        filename = (reader.optional("filename") ?? "").replacingOccurrences(of: "\\", with: "/")
        fileSectorOffset = try reader.sectors("file_sector_offset", sectorSize: sectorSize, optional: true)
        sparse = try reader.flag("sparse")
        readBackVerify = try reader.flag("readbackverify")
        partOfSingleImage = try reader.flag("partofsingleimage")
        sizeInKB = try reader.decimal("size_in_KB")
        startByte = try reader.optional("start_byte_hex").flatMap { $0.isEmpty ? nil : try reader.expression("start_byte_hex") }
        pagesPerBlock = try reader.optionalUnsigned("PAGES_PER_BLOCK")
        lastSector = try reader.optionalUnsigned("last_sector")
        attributes = reader.attributes
        location = reader.location
    }
}

/// One `<erase>` of a rawprogram file: a range of sectors to erase.
public struct EraseEntry: Hashable, Sendable {
    /// Partition label, possibly empty.
    public var label: String
    /// Physical partition (`physical_partition_number`).
    public var lun: Int
    /// First sector (`start_sector`).
    public var start: SectorExpression
    /// Sectors to erase (`num_partition_sectors`).
    public var numSectors: UInt64
    /// Sector size in bytes (`SECTOR_SIZE_IN_BYTES`).
    public var sectorSize: Int
    /// Every attribute as written.
    public var attributes: [String: String]
    /// File, line and entry number.
    public var location: EntryLocation
}

extension EraseEntry {
    /// Reads an `<erase>` element's attributes.
    init(reading reader: AttributeReader) throws {
        label = reader.optional("label") ?? ""
        lun = try reader.lun()
        start = try reader.sector("start_sector")
        sectorSize = try reader.sectorSize()
        numSectors = try reader.sectors("num_partition_sectors", sectorSize: sectorSize)
        attributes = reader.attributes
        location = reader.location
    }
}

import Foundation
