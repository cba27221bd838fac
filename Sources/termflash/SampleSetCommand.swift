import ArgumentParser
import Foundation
import TermflashImages

/// `termflash sample-set`: writes the small generated Qualcomm flashing set used by the demo and tests.
struct SampleSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-set",
        abstract: "Write a small generated rawprogram/patch set (GPTs, raw and sparse images) to try flashing on the simulator.",
        discussion: """
            The same options give the same bytes. Each LUN's GPT is made for a smaller disk than the simulated \
            storage should be (see the printed LUN sizes), so the set's DISK patches must be applied for valid tables.
            """)

    @Argument(help: "Folder to write the set into (created if needed).")
    var folder: String

    @Option(help: "Seed for the image contents and GUIDs.")
    var seed: UInt64 = 1

    @Option(help: "Sector size: 512 (eMMC) or 4096 (UFS).")
    var sectorSize = 4096

    @Option(help: "Number of LUNs (1 to 8).")
    var luns = 2

    @Option(help: "Also pack the set into this .zip file.")
    var zip: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        guard sectorSize == 512 || sectorSize == 4096 else { throw ValidationError("--sector-size must be 512 or 4096") }
        guard (1...8).contains(luns) else { throw ValidationError("--luns must be from 1 to 8") }
    }

    func run() throws {
        try reportingErrors {
            let sample = try SampleRawProgramSet.generate(in: URL(fileURLWithPath: folder), seed: seed, sectorSize: sectorSize, luns: luns)
            if let zip { try sample.zip(to: URL(fileURLWithPath: zip)) }
            let summary = SampleSetSummary(sample, zip: zip)
            if json { try printJSON(summary) } else { print(summary.text) }
        }
    }
}

/// What `sample-set` prints: where the set is, how big each LUN should be, and what each image must leave on the device.
struct SampleSetSummary: Encodable {
    struct LUN: Encodable {
        let lun: Int
        let diskSectors: UInt64
        let partitions: [String]
    }

    struct Image: Encodable {
        let label: String
        let lun: Int
        let file: String
        let firstSector: UInt64
        let bytes: UInt64
        let sparse: Bool
        let sha256: String
    }

    let folder: String
    let zip: String?
    let sectorSize: Int
    let files: [String]
    let luns: [LUN]
    let images: [Image]

    init(_ sample: SampleRawProgramSet, zip: String?) {
        folder = sample.folder.path
        self.zip = zip
        sectorSize = sample.sectorSize
        files = sample.files
        luns = sample.luns.map { LUN(lun: $0.lun, diskSectors: $0.diskSectors, partitions: $0.partitions) }
        images = sample.images.map {
            Image(label: $0.label, lun: $0.lun, file: $0.filename, firstSector: $0.firstSector, bytes: $0.byteCount,
                  sparse: $0.sparse, sha256: $0.sha256.map { String(format: "%02x", $0) }.joined())
        }
    }

    var text: String {
        var lines = ["sample set in \(folder)\(zip.map { " and \($0)" } ?? ""): \(files.count) files, \(sectorSize)-byte sectors"]
        for lun in luns {
            lines.append("  LUN \(lun.lun): simulate \(lun.diskSectors) sectors; partitions \(lun.partitions.joined(separator: ", "))")
        }
        for image in images {
            lines.append("  \(image.label) ← \(image.file)\(image.sparse ? " (sparse)" : ""): LUN \(image.lun) sector \(image.firstSector), \(image.bytes) bytes, sha256 \(image.sha256.prefix(16))…")
        }
        return lines.joined(separator: "\n")
    }
}
