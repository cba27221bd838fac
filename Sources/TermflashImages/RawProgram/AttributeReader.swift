import Foundation

/// Reads typed attribute values of one XML element, turning every fault into a
/// ``RawProgramError`` that names the file, line, entry and attribute.
struct AttributeReader {
    let element: String
    let attributes: [String: String]
    let location: EntryLocation

    /// The value, matching the name exactly first and then ignoring case (vendor files vary).
    func optional(_ name: String) -> String? {
        if let value = attributes[name] { return value.trimmingCharacters(in: .whitespaces) }
        let lowered = name.lowercased()
        return attributes.first { $0.key.lowercased() == lowered }?.value.trimmingCharacters(in: .whitespaces)
    }

    func required(_ name: String) throws -> String {
        guard let value = optional(name) else {
            throw fault(name, "is missing", advice: "every <\(element)> needs \(name); compare with the other entries of the file")
        }
        return value
    }

    func unsigned(_ name: String) throws -> UInt64 {
        try parseUnsigned(name, try required(name))
    }

    func optionalUnsigned(_ name: String) throws -> UInt64? {
        guard let text = optional(name), !text.isEmpty else { return nil }
        return try parseUnsigned(name, text)
    }

    func sector(_ name: String) throws -> SectorExpression {
        let text = try required(name)
        do {
            return try SectorExpression(text)
        } catch {
            throw fault(name, "\(error)", advice: "use a sector number or NUM_DISK_SECTORS-N.")
        }
    }

    func expression(_ name: String) throws -> Expression {
        let text = try required(name)
        do {
            return try Expression.parse(text)
        } catch {
            throw fault(name, "\(error)", advice: "use a number, NUM_DISK_SECTORS-N. or CRC32(start,length)")
        }
    }

    func flag(_ name: String) throws -> Bool {
        guard let text = optional(name), !text.isEmpty else { return false }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw fault(name, "is '\(text)', not true or false")
        }
    }

    func decimal(_ name: String) throws -> Double? {
        guard let text = optional(name), !text.isEmpty else { return nil }
        guard let value = Double(text), value >= 0 else { throw fault(name, "is '\(text)', not a non-negative number") }
        return value
    }

    /// `physical_partition_number`: a LUN or eMMC area, 0 to 255.
    func lun() throws -> Int {
        let value = try unsigned("physical_partition_number")
        guard value <= 255 else { throw fault("physical_partition_number", "is \(value); LUNs are numbered 0 to 255") }
        return Int(value)
    }

    /// A count of sectors whose byte size (`× sectorSize`) must fit in 64 bits.
    func sectors(_ name: String, sectorSize: Int, optional: Bool = false) throws -> UInt64 {
        guard let value = optional ? try optionalUnsigned(name) : try unsigned(name) else { return 0 }
        guard !value.multipliedReportingOverflow(by: UInt64(sectorSize)).overflow else {
            throw fault(name, "is \(value) sectors, more bytes than any storage holds")
        }
        return value
    }

    func sectorSize() throws -> Int {
        let value = try unsigned("SECTOR_SIZE_IN_BYTES")
        guard value >= 512, value <= 65536, value & (value - 1) == 0 else {
            throw fault("SECTOR_SIZE_IN_BYTES", "is \(value); a sector is a power of two from 512 to 65536 bytes (512 for eMMC, 4096 for UFS)")
        }
        return Int(value)
    }

    func fault(_ attribute: String?, _ problem: String, advice: String? = nil) -> RawProgramError {
        RawProgramError(location: location, element: element, attribute: attribute, problem: problem, advice: advice)
    }

    private func parseUnsigned(_ name: String, _ text: String) throws -> UInt64 {
        let cleaned = text.hasSuffix(".") ? String(text.dropLast()) : text
        let value = cleaned.lowercased().hasPrefix("0x") ? UInt64(cleaned.dropFirst(2), radix: 16) : UInt64(cleaned)
        guard let value else { throw fault(name, "is '\(text)', not a whole number") }
        return value
    }
}
