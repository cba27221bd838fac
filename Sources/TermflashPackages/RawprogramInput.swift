import Foundation

/// A Qualcomm flat-build set: `rawprogram*.xml` (and `patch*.xml`) beside the images they
/// name, as a folder or a zip. Only what the unsigned-input gate and `inspect` need is read
/// here — the `<program>` entries' file, label, LUN and reserved size — and each file's size
/// is checked against the sectors reserved for it.
public struct RawprogramInput: Sendable, Encodable {
    /// One `<program>` entry.
    public struct Entry: Sendable, Encodable, Equatable {
        public let xml: String
        public let label: String
        public let filename: String
        public let lun: String
        /// `num_partition_sectors × SECTOR_SIZE_IN_BYTES`; 0 when the entry grows to fit.
        public let reservedBytes: UInt64
        /// The image's size, when found.
        public let fileSize: UInt64?
    }

    public let path: String
    /// `folder` or `zip`.
    public let container: String
    public let xmlFiles: [String]
    public let entries: [Entry]

    /// Whether `path` is a folder or zip holding a `rawprogram*.xml`.
    public static func looksLikeRawprogram(path: String) -> Bool {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return false }
        if isFolder.boolValue {
            return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).contains(where: isRawprogramName)
        }
        return ((try? ZipDirectory.read(path: path))?.entries ?? []).contains { isRawprogramName(($0.name as NSString).lastPathComponent) }
    }

    static func isRawprogramName(_ name: String) -> Bool {
        name.lowercased().hasPrefix("rawprogram") && name.lowercased().hasSuffix(".xml")
    }

    /// Reads the set and refuses a `<program>` whose file is missing or larger than its reserved space.
    public static func read(path: String) throws -> RawprogramInput {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        var documents: [(String, String)] = []
        var sizes: [String: UInt64] = [:]
        if isFolder.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: path)
            for name in names.sorted() {
                let attributes = try? FileManager.default.attributesOfItem(atPath: "\(path)/\(name)")
                sizes[name] = (attributes?[.size] as? NSNumber)?.uint64Value
                if isRawprogramName(name) {
                    documents.append((name, String(decoding: try readLimited("\(path)/\(name)"), as: UTF8.self)))
                }
            }
        } else {
            let zip = try ZipDirectory.read(path: path)
            for entry in zip.entries {
                let base = (entry.name as NSString).lastPathComponent
                sizes[base] = entry.uncompressedSize
                if isRawprogramName(base) {
                    // Deflated XML is read by the EDL backend's own zip reader; stored XML is checked here too.
                    let text = entry.method == 0 ? String(decoding: try zip.storedContent(of: entry, limit: 4 << 20), as: UTF8.self) : ""
                    documents.append((entry.name, text))
                }
            }
        }
        var entries: [Entry] = []
        for (xml, text) in documents { entries += programEntries(xml: xml, text: text, sizes: sizes) }
        let input = RawprogramInput(path: path, container: isFolder.boolValue ? "folder" : "zip",
                                    xmlFiles: documents.map(\.0), entries: entries)
        try input.checkSizes()
        return input
    }

    private func checkSizes() throws {
        for entry in entries where !entry.filename.isEmpty {
            do { try MemberPath.check(entry.filename) } catch {
                throw PackageError.vendorFormat(path: path, reason: "\(entry.xml): program \(entry.label) filename: \(error)")
            }
            guard let size = entry.fileSize else {
                throw PackageError.vendorFormat(path: path, reason: "\(entry.xml): program \(entry.label) names \(entry.filename), which is not in the \(container)")
            }
            if entry.reservedBytes > 0, size > entry.reservedBytes {
                throw PackageError.vendorFormat(path: path, reason: "\(entry.xml): \(entry.filename) is \(size) bytes, partition \(entry.label) (LUN \(entry.lun)) reserves \(entry.reservedBytes)")
            }
        }
    }

    /// The `<program .../>` elements of one XML document, by attribute.
    static func programEntries(xml: String, text: String, sizes: [String: UInt64]) -> [Entry] {
        var entries: [Entry] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<program") {
            guard let close = rest[open.upperBound...].range(of: ">") else { break }
            let attributes = parseAttributes(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
            let filename = attributes["filename"] ?? ""
            let sectors = UInt64(attributes["num_partition_sectors"] ?? "") ?? 0
            let sectorSize = UInt64(attributes["SECTOR_SIZE_IN_BYTES"] ?? "") ?? 512
            let (reserved, overflow) = sectors.multipliedReportingOverflow(by: sectorSize)
            entries.append(Entry(xml: xml, label: attributes["label"] ?? "", filename: filename,
                                 lun: attributes["physical_partition_number"] ?? "0", reservedBytes: overflow ? .max : reserved,
                                 fileSize: filename.isEmpty ? nil : sizes[filename]))
        }
        return entries
    }

    static func parseAttributes(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = text
        while let equals = rest.firstIndex(of: "=") {
            let name = rest[..<equals].trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: "/")))
            rest = rest[rest.index(after: equals)...].drop { $0 == " " }
            guard let quote = rest.first, quote == "\"" || quote == "'" else { break }
            rest = rest.dropFirst()
            guard let end = rest.firstIndex(of: quote) else { break }
            result[name] = String(rest[..<end])
            rest = rest[rest.index(after: end)...]
        }
        return result
    }

    private static func readLimited(_ path: String) throws -> [UInt8] {
        let input = try FilePackageInput(path: path)
        let bytes = try input.read(upTo: (4 << 20) + 1)
        guard bytes.count <= 4 << 20 else { throw PackageError.oversized(field: path, size: UInt64(bytes.count), limit: 4 << 20) }
        return bytes
    }
}
