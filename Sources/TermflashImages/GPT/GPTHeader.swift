import TermflashCore

/// The GPT header (UEFI 2.10 §5.3.2): at LBA 1 (primary) and the LUN's last LBA (backup).
public struct GPTHeader: Hashable, Sendable {
    /// "EFI PART".
    public static let signature: [UInt8] = Array("EFI PART".utf8)

    public var revision: UInt32 = 0x0001_0000
    public var headerSize: UInt32 = 92
    /// CRC-32 of the header's `headerSize` bytes with this field zeroed.
    public var headerCRC32: UInt32 = 0
    /// LBA of this header.
    public var myLBA: UInt64
    /// LBA of the other header.
    public var alternateLBA: UInt64
    public var firstUsableLBA: UInt64
    public var lastUsableLBA: UInt64
    public var diskGUID: GUID
    /// LBA of this copy's partition entry array.
    public var partitionEntryLBA: UInt64
    public var numberOfPartitionEntries: UInt32
    public var sizeOfPartitionEntry: UInt32
    /// CRC-32 of the entry array (`numberOfPartitionEntries × sizeOfPartitionEntry` bytes).
    public var partitionEntryArrayCRC32: UInt32 = 0

    /// Bytes of the entry array.
    public var entryArrayByteCount: Int { Int(numberOfPartitionEntries) * Int(sizeOfPartitionEntry) }

    /// Sectors the entry array occupies.
    public func entryArraySectors(sectorSize: Int) -> Int { (entryArrayByteCount + sectorSize - 1) / sectorSize }

    /// Parses and checks a header sector: signature, size and header CRC; faults name the field.
    public static func parse(_ sector: [UInt8]) throws -> GPTHeader {
        guard sector.count >= 92 else {
            throw GPTError(field: "header", problem: "needs 92 bytes, got \(sector.count)")
        }
        guard Array(sector[0..<8]) == signature else {
            throw GPTError(field: "Signature", problem: "is \(sector[0..<8].map { String(format: "%02x", $0) }.joined()), not \"EFI PART\": there is no GPT here")
        }
        var reader = ByteReader(sector, offset: 8)
        let revision = try reader.read(UInt32.self, endianness: .little)
        let headerSize = try reader.read(UInt32.self, endianness: .little)
        guard headerSize >= 92, Int(headerSize) <= sector.count else {
            throw GPTError(field: "HeaderSize", problem: "is \(headerSize); it must be at least 92 and fit the \(sector.count)-byte sector")
        }
        let storedCRC = try reader.read(UInt32.self, endianness: .little)
        var zeroed = Array(sector[0..<Int(headerSize)])
        zeroed.replaceSubrange(16..<20, with: [0, 0, 0, 0])
        let computed = CRC32.checksum(zeroed)
        guard computed == storedCRC else {
            throw GPTError(field: "HeaderCRC32", problem: String(format: "is 0x%08x but the header's bytes give 0x%08x", storedCRC, computed))
        }
        try reader.skip(4)
        var header = GPTHeader(
            myLBA: try reader.read(UInt64.self, endianness: .little),
            alternateLBA: try reader.read(UInt64.self, endianness: .little),
            firstUsableLBA: try reader.read(UInt64.self, endianness: .little),
            lastUsableLBA: try reader.read(UInt64.self, endianness: .little),
            diskGUID: GUID(diskBytes: try reader.read(count: 16)),
            partitionEntryLBA: try reader.read(UInt64.self, endianness: .little),
            numberOfPartitionEntries: try reader.read(UInt32.self, endianness: .little),
            sizeOfPartitionEntry: try reader.read(UInt32.self, endianness: .little),
            partitionEntryArrayCRC32: try reader.read(UInt32.self, endianness: .little))
        header.revision = revision
        header.headerSize = headerSize
        header.headerCRC32 = storedCRC
        try header.checkFields()
        return header
    }

    private func checkFields() throws {
        guard sizeOfPartitionEntry >= 128, sizeOfPartitionEntry % 8 == 0 else {
            throw GPTError(field: "SizeOfPartitionEntry", problem: "is \(sizeOfPartitionEntry); it must be 128 or a larger multiple of 8")
        }
        guard numberOfPartitionEntries <= 65536 else {
            throw GPTError(field: "NumberOfPartitionEntries", problem: "is \(numberOfPartitionEntries), more than any real table holds")
        }
        guard firstUsableLBA <= lastUsableLBA else {
            throw GPTError(field: "FirstUsableLBA", problem: "\(firstUsableLBA) is after LastUsableLBA \(lastUsableLBA)")
        }
    }

    /// The header sector (`sectorSize` bytes, zero-padded), with `headerCRC32` computed.
    public func encoded(sectorSize: Int) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(Self.signature)
        writer.write(revision, endianness: .little)
        writer.write(UInt32(92), endianness: .little)
        writer.write(UInt32(0), endianness: .little)
        writer.write(UInt32(0), endianness: .little)
        for value in [myLBA, alternateLBA, firstUsableLBA, lastUsableLBA] { writer.write(value, endianness: .little) }
        writer.write(diskGUID.bytes)
        writer.write(partitionEntryLBA, endianness: .little)
        writer.write(numberOfPartitionEntries, endianness: .little)
        writer.write(sizeOfPartitionEntry, endianness: .little)
        writer.write(partitionEntryArrayCRC32, endianness: .little)
        var bytes = writer.bytes
        let crc = CRC32.checksum(bytes)
        bytes.replaceSubrange(16..<20, with: (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) })
        return bytes + [UInt8](repeating: 0, count: sectorSize - bytes.count)
    }
}

import Foundation
