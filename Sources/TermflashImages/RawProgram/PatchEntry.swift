import Foundation

/// Where a patch applies: the device (`filename="DISK"`) or a host copy of an image file.
public enum PatchTarget: Hashable, Sendable, CustomStringConvertible {
    case disk
    case file(String)

    public var description: String {
        switch self {
        case .disk: return "DISK"
        case let .file(name): return name
        }
    }
}

/// The `value` of a patch: a number, `NUM_DISK_SECTORS-N.`, or `CRC32(start,length)` with nested expressions.
public struct PatchValue: Hashable, Sendable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    /// The parsed form.
    public let expression: Expression

    /// Parses a value.
    public init(_ text: String) throws(ExpressionError) {
        self.text = text.trimmingCharacters(in: .whitespaces)
        expression = try Expression.parse(self.text)
    }

    /// The number when the value needs neither the disk size nor storage.
    public var literal: UInt64? {
        expression.dependsOnDiskSize || expression.readsStorage ? nil : try? expression.evaluate(diskSectors: nil)
    }

    /// True when evaluating reads storage (`CRC32(...)`).
    public var isCRC32: Bool { expression.readsStorage }

    public var description: String { text }
}

/// One `<patch>` of a patch file: write `sizeInBytes` little-endian bytes of `value` at
/// `byteOffset` into sector `start` of a LUN or of a file.
public struct PatchEntry: Hashable, Sendable {
    /// The device or a host file.
    public var target: PatchTarget
    /// Physical partition (`physical_partition_number`).
    public var lun: Int
    /// Sector to patch (`start_sector`).
    public var start: SectorExpression
    /// Byte offset inside that sector (`byte_offset`).
    public var byteOffset: UInt64
    /// Width of the value in bytes (`size_in_bytes`, 1 to 8).
    public var sizeInBytes: Int
    /// The value (`value`).
    public var value: PatchValue
    /// Sector size in bytes (`SECTOR_SIZE_IN_BYTES`).
    public var sectorSize: Int
    /// What the patch is for (`what`), for display.
    public var what: String
    /// Every attribute as written.
    public var attributes: [String: String]
    /// File, line and entry number.
    public var location: EntryLocation

    /// The bytes to write: the value little-endian in `sizeInBytes` bytes. `readSectors(lun, start, count)`
    /// returns sectors of the patch's target (device or file) for `CRC32(...)`.
    public func evaluate(
        diskSectors: UInt64, readSectors: (Int, UInt64, UInt64) throws -> [UInt8]
    ) throws -> [UInt8] {
        let number: UInt64
        do {
            number = try withoutActuallyEscaping(readSectors) { readSectors in
                try value.expression.evaluate(diskSectors: diskSectors) { startSector, byteCount in
                    guard byteCount <= Self.largestCRCRange else {
                        throw ExpressionError.outOfRange(expression: value.text, detail: "a CRC32 over \(byteCount) bytes; patch files checksum tables of a few KiB")
                    }
                    let size = UInt64(sectorSize)
                    let sectors = (byteCount + size - 1) / size
                    return Array(try readSectors(lun, startSector, sectors).prefix(Int(byteCount)))
                }
            }
        } catch let error as ExpressionError {
            throw fault("value", "\(error)")
        }
        guard sizeInBytes == 8 || number >> (UInt64(sizeInBytes) * 8) == 0 else {
            throw fault("value", "evaluates to \(number), which does not fit in \(sizeInBytes) bytes (size_in_bytes)")
        }
        return (0..<sizeInBytes).map { UInt8(truncatingIfNeeded: number >> (UInt64($0) * 8)) }
    }

    /// The most bytes a `CRC32(...)` may cover (real files checksum GPT headers and entry arrays).
    public static let largestCRCRange: UInt64 = 64 << 20

    /// The sector to patch on a LUN of `diskSectors` sectors.
    public func resolvedStart(diskSectors: UInt64) throws -> UInt64 {
        do { return try start.resolve(diskSectors: diskSectors) } catch { throw fault("start_sector", "\(error)") }
    }

    private func fault(_ attribute: String, _ problem: String) -> RawProgramError {
        RawProgramError(location: location, element: "patch", attribute: attribute, problem: problem)
    }
}

extension PatchEntry {
    /// Reads a `<patch>` element's attributes.
    init(reading reader: AttributeReader) throws {
        let filename = try reader.required("filename")
        target = filename.uppercased() == "DISK" ? .disk : .file(filename.replacingOccurrences(of: "\\", with: "/"))
        lun = try reader.lun()
        start = try reader.sector("start_sector")
        byteOffset = try reader.unsigned("byte_offset")
        let size = try reader.unsigned("size_in_bytes")
        guard (1...8).contains(size) else { throw reader.fault("size_in_bytes", "is \(size); a patch writes 1 to 8 bytes") }
        sizeInBytes = Int(size)
        let valueText = try reader.required("value")
        do { value = try PatchValue(valueText) } catch {
            throw reader.fault("value", "\(error)", advice: "use a number, NUM_DISK_SECTORS-N. or CRC32(start,length)")
        }
        sectorSize = try reader.sectorSize()
        guard byteOffset <= UInt64(sectorSize) - size else {
            throw reader.fault("byte_offset", "\(byteOffset) + \(size) bytes runs past the end of a \(sectorSize)-byte sector")
        }
        what = reader.optional("what") ?? ""
        attributes = reader.attributes
        location = reader.location
    }
}
