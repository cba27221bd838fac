import Foundation
import TermflashCore

/// A Qualcomm NAND partition table as MIBIB holds it (the "read" form the device stores)
/// or as a host sends it with Streaming DLOAD 0x19 (the "write" form). Layout, after the
/// qtools `ptable/` files: magic1 u32, magic2 u32, version u32, count u32, then `count`
/// entries of 28 bytes: name[16] ("0:APPS"), two u32 fields, 4 attribute bytes; all
/// little-endian. In the read form the two fields are the start and length in erase
/// blocks (length 0xFFFFFFFF: to the end of the chip); the write form carries the values
/// the programmer lays partitions out from, kept as they are.
public struct MIBIBPartitionTable: Sendable, Equatable {
    /// Which of the two tables.
    public enum Form: String, Sendable, Codable {
        case read, write

        /// The two magic words of the form.
        public var magic: (UInt32, UInt32) {
            switch self {
            case .read: return (0x55EE_73AA, 0xE35E_BDDB)
            case .write: return (0xAA7D_1B9A, 0x1F7D_48BC)
            }
        }
    }

    /// One partition.
    public struct Entry: Sendable, Equatable, Codable {
        /// The name with its flash prefix, e.g. `0:APPS`.
        public var name: String
        /// First field: the start block (read form).
        public var offsetBlocks: UInt32
        /// Second field: the length in blocks (read form); 0xFFFFFFFF grows to the end.
        public var lengthBlocks: UInt32
        /// The attribute bytes, in table order.
        public var attributes: [UInt8]

        /// An entry.
        public init(name: String, offsetBlocks: UInt32, lengthBlocks: UInt32, attributes: [UInt8] = [0xFF, 0xFF, 0x00, 0x00]) {
            self.name = name
            self.offsetBlocks = offsetBlocks
            self.lengthBlocks = lengthBlocks
            self.attributes = attributes
        }

        /// The name without the `0:` flash prefix.
        public var shortName: String {
            guard let colon = name.firstIndex(of: ":") else { return name }
            return String(name[name.index(after: colon)...])
        }
    }

    public static let headerSize = 16
    public static let entrySize = 28

    public var form: Form
    public var version: UInt32
    public var entries: [Entry]

    /// A table.
    public init(form: Form, version: UInt32 = 3, entries: [Entry]) {
        self.form = form
        self.version = version
        self.entries = entries
    }

    /// Decodes a table; bytes past the last entry (padding to a page) are ignored.
    public init(_ bytes: [UInt8]) throws(StreamingDLoadError) {
        var reader = ByteReader(bytes)
        do {
            let magic = (try reader.read(UInt32.self, endianness: .little), try reader.read(UInt32.self, endianness: .little))
            guard let form = [Form.read, .write].first(where: { $0.magic == magic }) else {
                throw StreamingDLoadError.partitionTable(String(format: "not a MIBIB partition table: magic %08x %08x at offset 0 "
                    + "(expected 55ee73aa e35ebddb or aa7d1b9a 1f7d48bc)", magic.0, magic.1))
            }
            self.form = form
            version = try reader.read(UInt32.self, endianness: .little)
            let count = Int(try reader.read(UInt32.self, endianness: .little))
            guard count <= (bytes.count - Self.headerSize) / Self.entrySize else {
                throw StreamingDLoadError.partitionTable("MIBIB partition table declares \(count) partitions at offset 12, "
                    + "but its \(bytes.count) bytes hold at most \((bytes.count - Self.headerSize) / Self.entrySize)")
            }
            entries = try (0..<count).map { _ in try Self.entry(&reader) }
        } catch let error as StreamingDLoadError {
            throw error
        } catch {
            throw .partitionTable("MIBIB partition table of \(bytes.count) bytes is truncated: \(error)")
        }
    }

    private static func entry(_ reader: inout ByteReader) throws -> Entry {
        let name = fixedString(try reader.read(count: 16))
        let offset = try reader.read(UInt32.self, endianness: .little)
        let length = try reader.read(UInt32.self, endianness: .little)
        return Entry(name: name, offsetBlocks: offset, lengthBlocks: length, attributes: try reader.read(count: 4))
    }

    /// The table bytes.
    public var bytes: [UInt8] {
        var writer = ByteWriter()
        writer.write(form.magic.0, endianness: .little)
        writer.write(form.magic.1, endianness: .little)
        writer.write(version, endianness: .little)
        writer.write(UInt32(entries.count), endianness: .little)
        for entry in entries {
            writer.write(fixedField(entry.name, 16))
            writer.write(entry.offsetBlocks, endianness: .little)
            writer.write(entry.lengthBlocks, endianness: .little)
            writer.write(Array(entry.attributes.prefix(4)) + [UInt8](repeating: 0, count: max(0, 4 - entry.attributes.count)))
        }
        return writer.bytes
    }

    /// The partitions as byte regions of a chip with `blockSize`-byte erase blocks and
    /// `chipBytes` in all (a growing last partition ends there).
    public func regions(blockSize: UInt64, chipBytes: UInt64) -> [FlashRegion] {
        entries.map { entry in
            let offset = UInt64(entry.offsetBlocks) * blockSize
            let length = entry.lengthBlocks == .max ? chipBytes - min(offset, chipBytes) : UInt64(entry.lengthBlocks) * blockSize
            return FlashRegion(partition: entry.shortName, offset: offset, length: length)
        }
    }
}
