import TermflashCore
import TermflashProfiles

/// The checks a verified package must pass for one unit before a plan is made: the target
/// profile and hardware revision, the branding variant, the anti-rollback index, and each
/// image against its partition.
public struct PackageGuard {
    /// `--allow-downgrade`.
    public var allowDowngrade: Bool
    /// Allow moving the unit to another variant (only `rebrand` sets this).
    public var allowVariantChange: Bool

    /// A guard.
    public init(allowDowngrade: Bool = false, allowVariantChange: Bool = false) {
        self.allowDowngrade = allowDowngrade
        self.allowVariantChange = allowVariantChange
    }

    /// Throws the first refusal; every refusal names the manifest field and both values.
    public func check(_ manifest: PackageManifest, unit: UnitFacts, profile: DeviceProfile?) throws(GuardRefusal) {
        guard let profileID = profile?.id ?? unit.profile else { throw .profileUnknown(package: manifest.profiles) }
        guard manifest.profiles.contains(profileID) else { throw .profileMismatch(package: manifest.profiles, unit: profileID) }
        if !manifest.hardwareRevisions.isEmpty {
            guard let revision = unit.hardwareRevision else { throw .hardwareRevisionUnknown(package: manifest.hardwareRevisions) }
            guard manifest.hardwareRevisions.contains(revision) else {
                throw .hardwareRevisionMismatch(package: manifest.hardwareRevisions, unit: revision)
            }
        }
        if !allowVariantChange, !manifest.variants.isEmpty, let variant = unit.variant, !manifest.variants.contains(variant) {
            throw .variantMismatch(package: manifest.variants, unit: variant)
        }
        if !allowDowngrade, let current = unit.antiRollbackIndex, manifest.antiRollbackIndex < current {
            throw .downgrade(package: manifest.antiRollbackIndex, unit: current)
        }
        if let profile { try checkImages(manifest.images, against: profile) }
    }

    private func checkImages(_ images: [PackageImage], against profile: DeviceProfile) throws(GuardRefusal) {
        let partitions = PartitionIndex(profile)
        guard !partitions.sizes.isEmpty else { return }
        for (index, image) in images.enumerated() {
            guard let size = partitions.sizes[image.partition] else {
                throw .unknownPartition(field: "images[\(index)].partition", name: image.partition, known: partitions.names)
            }
            if image.deltaBase == nil, image.size > size {
                throw .imageTooLarge(field: "images[\(index)].size", file: image.file, size: image.size,
                                     partition: image.partition, partitionSize: size)
            }
        }
    }
}

/// Partition names and sizes of every chip of a profile, nested ones included.
public struct PartitionIndex {
    public let names: [String]
    public let sizes: [String: UInt64]
    public let readOnly: Set<String>

    /// The partitions of `profile`.
    public init(_ profile: DeviceProfile) {
        var names: [String] = [], sizes: [String: UInt64] = [:], readOnly = Set<String>()
        func add(_ partitions: [FlashPartition]) {
            for partition in partitions {
                names.append(partition.name)
                sizes[partition.name] = UInt64(partition.size)
                if partition.readOnly { readOnly.insert(partition.name) }
                add(partition.partitions)
            }
        }
        for chip in profile.storage { add(chip.partitions) }
        self.names = names
        self.sizes = sizes
        self.readOnly = readOnly
    }
}

/// Why a package may not go onto this unit.
public enum GuardRefusal: Error, Equatable, ActionableError {
    case profileUnknown(package: [String])
    case profileMismatch(package: [String], unit: String)
    case hardwareRevisionUnknown(package: [String])
    case hardwareRevisionMismatch(package: [String], unit: String)
    case variantMismatch(package: [String], unit: String)
    case downgrade(package: UInt32, unit: UInt32)
    case unknownPartition(field: String, name: String, known: [String])
    case imageTooLarge(field: String, file: String, size: UInt64, partition: String, partitionSize: UInt64)

    public var exitStatus: ExitStatus { .refused }

    public var description: String {
        switch self {
        case let .profileUnknown(package):
            return "refused: manifest field profiles is \(package.joined(separator: ", ")), but the unit's profile is unknown"
        case let .profileMismatch(package, unit):
            return "refused: manifest field profiles is \(package.joined(separator: ", ")), the unit's profile is \(unit)"
        case let .hardwareRevisionUnknown(package):
            return "refused: manifest field hardwareRevisions is \(package.joined(separator: ", ")), the unit's hardware revision is unknown"
        case let .hardwareRevisionMismatch(package, unit):
            return "refused: manifest field hardwareRevisions is \(package.joined(separator: ", ")), the unit is hardware revision \(unit)"
        case let .variantMismatch(package, unit):
            return "refused: manifest field variants is \(package.joined(separator: ", ")), the unit is branded \(unit)"
        case let .downgrade(package, unit):
            return "refused: manifest field antiRollbackIndex is \(package), below the unit's anti-rollback index \(unit)"
        case let .unknownPartition(field, name, known):
            return "refused: manifest field \(field) names partition \(name), which the device profile does not have (it has \(known.joined(separator: ", ")))"
        case let .imageTooLarge(field, file, size, partition, partitionSize):
            return "refused: manifest field \(field) is \(size) bytes for \(file), larger than partition \(partition) (\(partitionSize) bytes)"
        }
    }

    public var advice: String? {
        switch self {
        case .profileUnknown: return "name the device's profile with --profile"
        case .profileMismatch, .unknownPartition, .imageTooLarge: return "this package is for another device; get the package made for this one"
        case .hardwareRevisionUnknown: return "run 'termflash identify' on the unit, or give its revision with --hardware-revision"
        case .hardwareRevisionMismatch: return "get the package built for this hardware revision"
        case .variantMismatch: return "to change the unit's branding, use 'termflash rebrand --to VARIANT PACKAGE'"
        case .downgrade: return "older firmware may reopen fixed holes; if you really mean it, add --allow-downgrade"
        }
    }
}
