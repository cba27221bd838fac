import Foundation
import TermflashCore

/// A Qualcomm flashing set as users have it: a folder or a zip holding `rawprogram*.xml`,
/// `patch*.xml` and the images they name. Images are opened on demand and streamed.
public final class RawProgramSet {
    /// The folder or zip the set was loaded from.
    public let container: ImageContainer
    /// Folder inside the container that holds the XML files ("" at the top).
    public let baseFolder: String
    /// The rawprogram files used, in order.
    public let rawProgramFiles: [String]
    /// The patch files used, in order.
    public let patchFiles: [String]
    /// Files that look like rawprogram files but were left out, with the reason.
    public let skippedFiles: [String: String]
    /// Every `<program>`, in file order.
    public let programs: [ProgramEntry]
    /// Every `<erase>`, in file order.
    public let erases: [EraseEntry]
    /// Every `<patch>`, in file order.
    public let patches: [PatchEntry]

    private let sectorSizes: [Int: Int]

    /// Loads a folder or a `.zip`. `only` names the rawprogram/patch files to use instead of choosing them.
    public static func load(from url: URL, only: [String]? = nil) throws -> RawProgramSet {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw RawProgramError(location: nil, problem: "\(url.path) does not exist",
                                  advice: "name the folder or .zip that holds rawprogram*.xml and patch*.xml")
        }
        let container: ImageContainer = isFolder.boolValue ? try FolderContainer(url: url) : try ZipContainer(url: url)
        return try RawProgramSet(container: container, only: only)
    }

    /// Reads the set's XML files from `container`.
    public init(container: ImageContainer, only: [String]? = nil) throws {
        self.container = container
        let choice = try RawProgramFileChoice(names: container.fileNames, only: only, displayName: container.displayName)
        baseFolder = choice.baseFolder
        rawProgramFiles = choice.rawPrograms
        patchFiles = choice.patches
        skippedFiles = choice.skipped
        let parsedPrograms = try choice.rawPrograms.map { try RawProgramFile.parse(container.data(of: $0), name: $0) }
        let parsedPatches = try choice.patches.map { try PatchFile.parse(container.data(of: $0), name: $0) }
        programs = parsedPrograms.flatMap(\.programs)
        erases = parsedPrograms.flatMap(\.erases)
        patches = parsedPatches.flatMap(\.patches)
        sectorSizes = try Self.sectorSizesByLUN(programs: programs, erases: erases, patches: patches)
        try checkImagesExist()
    }

    /// The LUNs the set touches, ascending.
    public var luns: [Int] { sectorSizes.keys.sorted() }

    /// The sector size every entry of `lun` uses, or nil when no entry names the LUN.
    public func sectorSize(forLUN lun: Int) -> Int? { sectorSizes[lun] }

    /// Patches for the device (`filename="DISK"`), in order.
    public var diskPatches: [PatchEntry] { patches.filter { $0.target == .disk } }

    /// Patches of host image files, in order (flashing tools skip these; the images already hold them).
    public var filePatches: [PatchEntry] { patches.filter { $0.target != .disk } }

    /// The first program entry with `label`.
    public func program(labeled label: String) -> ProgramEntry? { programs.first { $0.label == label } }

    /// The bytes `entry` writes: the image from its `file_sector_offset`, expanded when sparse
    /// (see ``ExpandedSparseSource`` for the extents), streamed from the folder or zip.
    public func imageSource(for entry: ProgramEntry) throws -> ByteSource {
        guard entry.hasImage else {
            throw RawProgramError(location: entry.location, element: "program", attribute: "filename",
                                  problem: "names no image (filename is empty); there is nothing to write")
        }
        let file = try container.source(of: try memberName(for: entry.filename, location: entry.location))
        let skip = entry.fileSectorOffset * UInt64(entry.sectorSize)
        let limit = entry.numSectors == 0 ? nil : entry.byteCount
        let splitImage = entry.fileSectorOffset > 0 || entry.partOfSingleImage
        var source: ByteSource = skip == 0 ? file : try slice(file, offset: skip, length: nil, location: entry.location)
        if entry.sparse || (skip == 0 && SparseImage.isSparse(source)) {
            source = try SparseImage.open(source, name: entry.filename).expanded
        } else if let limit, source.count > limit, splitImage {
            source = try slice(source, offset: 0, length: limit, location: entry.location)
        }
        if let limit, source.count > limit {
            throw RawProgramError(
                location: entry.location, element: "program", attribute: "num_partition_sectors",
                problem: "the image '\(entry.filename)' is \(source.count) bytes\(entry.sparse ? " expanded" : "") but the entry reserves \(entry.numSectors) sectors (\(limit) bytes)",
                advice: "the image does not belong to this partition layout; use the rawprogram files shipped with the image")
        }
        return source
    }

    /// The sparse image behind `entry`, or nil when its image is not sparse.
    public func sparseImage(for entry: ProgramEntry) throws -> SparseImage? {
        (try imageSource(for: entry) as? ExpandedSparseSource)?.image
    }

    /// A host file named by a rawprogram or patch entry, streamed.
    public func fileSource(named name: String) throws -> ByteSource {
        try container.source(of: try memberName(for: name, location: nil))
    }

    /// The container path of `filename`: next to the XML files, matching case-insensitively if need be.
    func memberName(for filename: String, location: EntryLocation?) throws -> String {
        let wanted = baseFolder.isEmpty ? filename : "\(baseFolder)/\(filename)"
        if container.fileNames.contains(wanted) { return wanted }
        if let match = container.fileNames.first(where: { $0.lowercased() == wanted.lowercased() }) { return match }
        throw RawProgramError(
            location: location, element: location == nil ? nil : "program", attribute: location == nil ? nil : "filename",
            problem: "the image '\(filename)' is not in \(container.displayName)\(baseFolder.isEmpty ? "" : " (folder \(baseFolder))")",
            advice: "copy the image next to the rawprogram files, or empty the entry's filename to skip it")
    }

    private func checkImagesExist() throws {
        for entry in programs where entry.hasImage {
            _ = try memberName(for: entry.filename, location: entry.location)
        }
    }

    private static func sectorSizesByLUN(programs: [ProgramEntry], erases: [EraseEntry], patches: [PatchEntry]) throws -> [Int: Int] {
        var sizes: [Int: (size: Int, location: EntryLocation)] = [:]
        let all: [(Int, Int, EntryLocation, String)] =
            programs.map { ($0.lun, $0.sectorSize, $0.location, "program") }
            + erases.map { ($0.lun, $0.sectorSize, $0.location, "erase") }
            + patches.filter { $0.target == .disk }.map { ($0.lun, $0.sectorSize, $0.location, "patch") }
        for (lun, size, location, element) in all {
            if let first = sizes[lun], first.size != size {
                throw RawProgramError(
                    location: location, element: element, attribute: "SECTOR_SIZE_IN_BYTES",
                    problem: "is \(size) but \(first.location) uses \(first.size) for LUN \(lun)",
                    advice: "one LUN has one sector size; the set mixes files made for different storage")
            }
            if sizes[lun] == nil { sizes[lun] = (size, location) }
        }
        return sizes.mapValues(\.size)
    }
}

/// `length` bytes of `base` from `offset`; an offset past its end is the entry's fault.
private func slice(_ base: ByteSource, offset: UInt64, length: UInt64?, location: EntryLocation) throws -> ByteSource {
    guard offset <= base.count else {
        throw RawProgramError(location: location, element: "program", attribute: "file_sector_offset",
                              problem: "skips \(offset) bytes but the image has only \(base.count)")
    }
    return ByteSourceSlice(base, offset: offset, length: length)
}
