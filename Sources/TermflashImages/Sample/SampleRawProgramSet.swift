import Foundation
import TermflashCore
import TermflashCrypto
import ZIPFoundation

/// A small, deterministic Qualcomm flashing set for tests and `make demo`: per LUN a
/// rawprogramN.xml and patchN.xml, gpt_mainN.bin / gpt_backupN.bin made for a smaller
/// nominal disk (so the DISK patches, CRC32 expressions included, must fit them to the real
/// LUN), raw images (one not a whole number of sectors), an Android sparse image with RAW,
/// FILL, DONT_CARE and CRC32 chunks, and entries without an image.
public struct SampleRawProgramSet {
    /// One LUN of the set.
    public struct LUN: Sendable {
        public let lun: Int
        /// Sectors the simulated storage should have (more than the GPT images were made for).
        public let diskSectors: UInt64
        /// Sectors the gpt_main/gpt_backup images were made for before patching.
        public let nominalSectors: UInt64
        /// Partition labels of the LUN's GPT, in order.
        public let partitions: [String]
    }

    /// An image the set writes, with what the device must hold afterwards.
    public struct Image: Sendable {
        public let label: String
        public let lun: Int
        public let filename: String
        public let firstSector: UInt64
        /// Bytes the image expands to (the partition's first bytes after flashing).
        public let byteCount: UInt64
        /// SHA-256 of those bytes; a sparse image's DONT_CARE runs count as zeros (what a fresh simulated LUN holds).
        public let sha256: [UInt8]
        public let sparse: Bool
    }

    /// The folder holding the set.
    public let folder: URL
    public let sectorSize: Int
    public let luns: [LUN]
    /// Partition images (GPT images excluded: they are checked by parsing the patched tables).
    public let images: [Image]
    /// Every file written, sorted.
    public let files: [String]

    /// Writes the set into `folder` (created if needed). The same arguments give the same bytes.
    public static func generate(in folder: URL, seed: UInt64 = 1, sectorSize: Int = 4096, luns: Int = 2) throws -> SampleRawProgramSet {
        precondition(sectorSize == 512 || sectorSize == 4096, "sample sets use 512- or 4096-byte sectors")
        precondition(luns >= 1 && luns <= 8, "1 to 8 LUNs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var generator = SampleGenerator(folder: folder, seed: seed, sectorSize: sectorSize)
        var lunFacts: [LUN] = []
        for lun in 0..<luns { lunFacts.append(try generator.writeLUN(lun, plan: lun == 0 ? SamplePlan.main : SamplePlan.secondary(lun))) }
        return SampleRawProgramSet(folder: folder, sectorSize: sectorSize, luns: lunFacts, images: generator.images,
                                   files: generator.files.sorted())
    }

    /// Packs the set into a zip (deflated members, or stored ones when `compressed` is false).
    public func zip(to url: URL, compressed: Bool = true) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for name in files {
            try archive.addEntry(with: name, relativeTo: folder, compressionMethod: compressed ? .deflate : .none)
        }
    }

    /// The set's image of `label`.
    public func image(labeled label: String) -> Image? { images.first { $0.label == label } }
}

/// What one LUN of a sample holds.
struct SamplePlan {
    enum Content {
        /// Random bytes, this many.
        case raw(Int)
        /// A sparse image expanding to the given chunks.
        case sparse
        /// No image (`filename=""`).
        case none
    }

    struct Partition {
        let label: String
        let bytes: Int?
        let content: Content
        let filename: String
        let readBackVerify: Bool
    }

    let partitions: [Partition]

    static let main = SamplePlan(partitions: [
        Partition(label: "sbl1", bytes: 64 << 10, content: .raw(60 << 10 + 123), filename: "sbl1.mbn", readBackVerify: false),
        Partition(label: "modem", bytes: 1 << 20, content: .sparse, filename: "modem.img", readBackVerify: false),
        Partition(label: "boot", bytes: 256 << 10, content: .raw(200 << 10), filename: "boot.img", readBackVerify: true),
        Partition(label: "cache", bytes: 256 << 10, content: .none, filename: "", readBackVerify: false),
        Partition(label: "userdata", bytes: nil, content: .none, filename: "", readBackVerify: false),
    ])

    static func secondary(_ lun: Int) -> SamplePlan {
        SamplePlan(partitions: [
            Partition(label: "fsg\(lun)", bytes: 64 << 10, content: .raw(64 << 10), filename: "fsg\(lun).bin", readBackVerify: false),
            Partition(label: "spare\(lun)", bytes: nil, content: .none, filename: "", readBackVerify: false),
        ])
    }
}
