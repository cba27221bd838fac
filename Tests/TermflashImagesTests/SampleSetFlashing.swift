import Foundation
import TermflashCore
import TermflashImages

/// Writes a rawprogram set onto LUNs held in memory the way a Firehose programmer does:
/// every program entry's image at its resolved start sector, then the DISK patches in order.
struct InMemoryLUNs {
    var disks: [Int: [UInt8]]
    let sectorSize: Int

    init(sizes: [Int: UInt64], sectorSize: Int) {
        disks = sizes.mapValues { [UInt8](repeating: 0, count: Int($0) * sectorSize) }
        self.sectorSize = sectorSize
    }

    func diskSectors(_ lun: Int) -> UInt64 { UInt64(disks[lun]!.count / sectorSize) }

    mutating func flash(_ set: RawProgramSet, patches: Bool = true) throws {
        for entry in set.programs where entry.hasImage {
            let source = try set.imageSource(for: entry)
            let start = try entry.start.resolve(diskSectors: diskSectors(entry.lun))
            let sectors = entry.sectorsToWrite(imageBytes: source.count)
            var image = try source.read(offset: 0, length: Int(source.count))
            image += [UInt8](repeating: 0, count: Int(sectors) * sectorSize - image.count)
            let offset = Int(start) * sectorSize
            disks[entry.lun]!.replaceSubrange(offset..<offset + image.count, with: image)
        }
        guard patches else { return }
        for patch in set.diskPatches {
            try patch.apply(to: &disks[patch.lun]!, diskSectors: diskSectors(patch.lun))
        }
    }

    func sectors(_ lun: Int, _ start: UInt64, _ count: Int) -> [UInt8] {
        Array(disks[lun]![Int(start) * sectorSize..<(Int(start) + count) * sectorSize])
    }

    /// The primary GPT and the backup GPT read from the LUN's last sector.
    func tables(_ lun: Int) throws -> (primary: GPT, backup: GPT) {
        let primary = try GPT.parse(lba1: sectors(lun, 1, 1), entries: sectors(lun, 2, 16384 / sectorSize), sectorSize: sectorSize)
        let last = diskSectors(lun) - 1
        let header = try GPTHeader.parse(sectors(lun, last, 1))
        let backup = try GPT.parse(lba1: sectors(lun, last, 1), entries: sectors(lun, header.partitionEntryLBA, 16384 / sectorSize),
                                   sectorSize: sectorSize)
        return (primary, backup)
    }
}
