import Foundation

/// The entries of one rawprogram*.xml file.
public struct RawProgramFile: Sendable {
    /// The file's name.
    public let name: String
    /// `<program>` entries in file order.
    public let programs: [ProgramEntry]
    /// `<erase>` entries in file order.
    public let erases: [EraseEntry]
    /// Elements that are neither, by name and line (kept so a plan can mention them).
    public let ignored: [String]

    /// Parses the file's bytes; every fault names the file, line, entry and attribute.
    public static func parse(_ data: Data, name: String) throws -> RawProgramFile {
        let (_, entries) = try XMLEntries.read(data, file: name)
        var programs: [ProgramEntry] = []
        var erases: [EraseEntry] = []
        var ignored: [String] = []
        for entry in entries {
            switch entry.name.lowercased() {
            case "program":
                let location = EntryLocation(file: name, line: entry.line, index: programs.count + 1)
                programs.append(try ProgramEntry(reading: AttributeReader(element: "program", attributes: entry.attributes, location: location)))
            case "erase":
                let location = EntryLocation(file: name, line: entry.line, index: erases.count + 1)
                erases.append(try EraseEntry(reading: AttributeReader(element: "erase", attributes: entry.attributes, location: location)))
            default:
                ignored.append("<\(entry.name)> at line \(entry.line)")
            }
        }
        return RawProgramFile(name: name, programs: programs, erases: erases, ignored: ignored)
    }
}

/// The entries of one patch*.xml file.
public struct PatchFile: Sendable {
    /// The file's name.
    public let name: String
    /// `<patch>` entries in file order (the order matters: CRCs are computed after earlier patches).
    public let patches: [PatchEntry]

    /// Parses the file's bytes; every fault names the file, line, entry and attribute.
    public static func parse(_ data: Data, name: String) throws -> PatchFile {
        let (_, entries) = try XMLEntries.read(data, file: name)
        var patches: [PatchEntry] = []
        for entry in entries where entry.name.lowercased() == "patch" {
            let location = EntryLocation(file: name, line: entry.line, index: patches.count + 1)
            patches.append(try PatchEntry(reading: AttributeReader(element: "patch", attributes: entry.attributes, location: location)))
        }
        return PatchFile(name: name, patches: patches)
    }
}
