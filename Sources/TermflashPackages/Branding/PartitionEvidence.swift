import TermflashCore
import TermflashProfiles

/// Branding evidence read (never written) from a unit's partitions: every U-Boot environment
/// partition as variables, every partition's printable strings.
public enum PartitionEvidence {
    /// Bytes read from the start of each partition.
    public static let bytesPerPartition = 4 << 20

    /// A partition of the profile's first chip with its byte range.
    public struct Region {
        public let name: String
        public let offset: UInt64
        public let length: UInt64
        public let isEnvironment: Bool
    }

    /// The leaf partitions of the profile's first chip (the chip a disk image holds).
    public static func regions(_ profile: DeviceProfile) -> [Region] {
        func leaves(_ partitions: [FlashPartition], base: Int) -> [Region] {
            partitions.flatMap { partition -> [Region] in
                guard partition.partitions.isEmpty else { return leaves(partition.partitions, base: base + partition.offset) }
                let note = (partition.note ?? "").lowercased()
                let environment = partition.name.lowercased().hasSuffix("env") || note.contains("u-boot environment")
                return [Region(name: partition.name, offset: UInt64(base + partition.offset), length: UInt64(partition.size),
                               isEnvironment: environment)]
            }
        }
        return leaves(profile.storage.first?.partitions ?? [], base: 0)
    }

    /// Evidence from `source` (a disk image or block device) laid out as `profile` says.
    public static func gather(from source: ByteSource, profile: DeviceProfile) throws -> [BrandingEvidence] {
        var evidence: [BrandingEvidence] = []
        for region in regions(profile) where region.offset < source.count {
            let length = Int(min(region.length, UInt64(bytesPerPartition), source.count - region.offset))
            let bytes = try source.read(offset: region.offset, length: length)
            if region.isEnvironment, let environment = UBootEnvironment.parseBlock(bytes) {
                evidence += BrandingEvidence.from(environment, source: "U-Boot env in \(region.name)")
            } else {
                evidence += BrandingEvidence.strings(in: bytes, source: "partition \(region.name)")
            }
        }
        return evidence
    }
}
