import Foundation
import TermflashCore
import TermflashImages

/// A Qualcomm flat-build set: `rawprogram*.xml` (and `patch*.xml`) beside the images they
/// name, as a folder or a zip, read with `RawProgramSet`. What the unsigned-input gate and
/// `inspect` need is kept — each `<program>` entry's file, label, LUN and reserved size — and
/// each image (expanded when sparse) is checked against the sectors reserved for it.
public struct RawprogramInput: Sendable, Encodable {
    /// One `<program>` entry.
    public struct Entry: Sendable, Encodable, Equatable {
        public let xml: String
        public let label: String
        public let filename: String
        public let lun: String
        /// `num_partition_sectors × SECTOR_SIZE_IN_BYTES`; 0 when the entry grows to fit.
        public let reservedBytes: UInt64
        /// The bytes the image writes (expanded when sparse), when it names one.
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
        let url = URL(fileURLWithPath: path)
        let names: [String]
        if isFolder.boolValue {
            names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        } else {
            guard hasZipMagic(path) else { return false }
            names = (try? ZipContainer(url: url))?.fileNames ?? []
        }
        return names.contains { isRawprogramName(($0 as NSString).lastPathComponent) }
    }

    static func isRawprogramName(_ name: String) -> Bool {
        name.lowercased().hasPrefix("rawprogram") && name.lowercased().hasSuffix(".xml")
    }

    /// Reads the set; refuses a damaged set, a missing image or one larger than its reserved space.
    public static func read(path: String) throws -> RawprogramInput {
        let set: RawProgramSet
        do { set = try RawProgramSet.load(from: URL(fileURLWithPath: path)) } catch {
            throw PackageError.vendorFormat(path: path, reason: "\(error)")
        }
        var entries: [Entry] = []
        for program in set.programs {
            var size: UInt64?
            if program.hasImage {
                do { size = try set.imageSource(for: program).count } catch {
                    throw PackageError.vendorFormat(path: path, reason: "\(error)")
                }
            }
            entries.append(Entry(xml: program.location.file, label: program.label, filename: program.filename,
                                 lun: "\(program.lun)", reservedBytes: program.byteCount, fileSize: size))
        }
        let input = RawprogramInput(path: path, container: set.container is ZipContainer ? "zip" : "folder",
                                    xmlFiles: set.rawProgramFiles, entries: entries)
        try input.checkSizes()
        return input
    }

    private func checkSizes() throws {
        for entry in entries where entry.reservedBytes > 0 {
            if let size = entry.fileSize, size > entry.reservedBytes {
                throw PackageError.vendorFormat(path: path, reason: "\(entry.xml): \(entry.filename) is \(size) bytes, partition \(entry.label) (LUN \(entry.lun)) reserves \(entry.reservedBytes)")
            }
        }
    }

    private static func hasZipMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)).map { [UInt8]($0) } == [0x50, 0x4B, 0x03, 0x04]
    }
}
