import TermflashCore
import TermflashProfiles

/// What `rebrand --to VARIANT PACKAGE` will do: which partitions change (all backed up
/// first), which stay, and which hold identity data that is never touched. It is refused
/// across hardware revisions and whenever the package would write identity data.
public struct RebrandPlan: Sendable, Encodable {
    public let profile: String
    public let from: String
    public let to: String
    public let hardwareRevision: String
    public let package: String
    public let changes: [String]
    public let backups: [String]
    public let stays: [String]
    public let neverTouched: [String]

    /// Names (lower case) of partitions that hold a unit's identity or radio calibration.
    static let identityNames: Set<String> = ["art", "mac", "nv", "fsg", "modemst1", "modemst2", "efs", "efs2", "persist",
                                             "calibration", "cal", "devinfo", "sec", "fsc", "cfg-param", "factory", "mfg"]

    /// Whether a partition holds identity data: its name, or its note naming calibration, IMEI or MAC.
    public static func isIdentity(_ partition: FlashPartition) -> Bool {
        let note = (partition.note ?? "").lowercased()
        return identityNames.contains(partition.name.lowercased())
            || ["calibration", "imei", "mac address", "identity"].contains { note.contains($0) }
    }

    /// Plans moving a unit identified as `unit` to `target` with `manifest`.
    public static func make(profile: DeviceProfile, unit: Identification, from explicitFrom: String?, target: String,
                            manifest: PackageManifest) throws(RebrandRefusal) -> RebrandPlan {
        guard let targetVariant = profile.variants.first(where: { $0.id == target }) else {
            throw .unknownVariant(target, known: profile.variants.map(\.id))
        }
        guard let fromID = explicitFrom ?? unit.variant?.id else { throw .brandingUnknown(notes: unit.notes) }
        guard let fromVariant = profile.variants.first(where: { $0.id == fromID }) else {
            throw .unknownVariant(fromID, known: profile.variants.map(\.id))
        }
        guard manifest.variants.contains(target) else { throw .packageNotForVariant(package: manifest.variants, target: target) }
        let unitRevision = unit.hardwareRevision ?? fromVariant.hardwareRevision
        guard let targetRevision = targetVariant.hardwareRevision, let unitRevision else {
            throw .revisionUnknown(from: fromVariant.id, to: target)
        }
        guard unitRevision == targetRevision else {
            throw .crossRevision(unit: unitRevision, from: fromVariant.id, target: target, targetRevision: targetRevision)
        }
        let leaves = allPartitions(profile)
        let written = Set(manifest.images.map(\.partition))
        if let touched = leaves.first(where: { written.contains($0.name) && (isIdentity($0) || $0.readOnly) }) {
            throw .identityInPackage(partition: touched.name)
        }
        let identity = leaves.filter(isIdentity).map(\.name)
        let changes = manifest.images.map(\.partition)
        let stays = leaves.map(\.name).filter { !written.contains($0) && !identity.contains($0) }
        return RebrandPlan(profile: profile.id, from: fromVariant.id, to: target, hardwareRevision: unitRevision,
                           package: "\(manifest.id) \(manifest.version)", changes: changes, backups: changes, stays: stays,
                           neverTouched: identity)
    }

    private static func allPartitions(_ profile: DeviceProfile) -> [FlashPartition] {
        func flatten(_ partitions: [FlashPartition]) -> [FlashPartition] { partitions.flatMap { [$0] + flatten($0.partitions) } }
        return profile.storage.flatMap { flatten($0.partitions) }
    }

    /// Lines for people.
    public var text: String {
        """
        rebrand \(profile) from \(from) to \(to) (hardware revision \(hardwareRevision)) with package \(package)
          backed up first: \(backups.joined(separator: ", "))
          changes:         \(changes.joined(separator: ", "))
          stays:           \(stays.isEmpty ? "-" : stays.joined(separator: ", "))
          never touched:   \(neverTouched.isEmpty ? "-" : neverTouched.joined(separator: ", ")) (identity and calibration: IMEI, MAC, radio calibration)
        """
    }
}

/// Why a rebrand is refused.
public enum RebrandRefusal: Error, Equatable, ActionableError {
    case unknownVariant(String, known: [String])
    case brandingUnknown(notes: [String])
    case packageNotForVariant(package: [String], target: String)
    case revisionUnknown(from: String, to: String)
    case crossRevision(unit: String, from: String, target: String, targetRevision: String)
    case identityInPackage(partition: String)

    public var exitStatus: ExitStatus { .refused }

    public var description: String {
        switch self {
        case let .unknownVariant(id, known): return "refused: the profile has no variant \(id) (it has \(known.joined(separator: ", ")))"
        case let .brandingUnknown(notes): return "refused: the unit's current branding is unknown" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        case let .packageNotForVariant(package, target):
            return "refused: manifest field variants is \(package.isEmpty ? "empty" : package.joined(separator: ", ")), not \(target)"
        case let .revisionUnknown(from, to): return "refused: the hardware revision of \(from) or \(to) is unknown, so the rebrand cannot be held to one revision"
        case let .crossRevision(unit, from, target, targetRevision):
            return "refused: the unit (\(from)) is hardware revision \(unit), variant \(target) is built on \(targetRevision); rebranding across hardware revisions bricks units"
        case let .identityInPackage(partition):
            return "refused: the package writes partition \(partition), which holds identity or calibration data; a rebrand never touches it"
        }
    }

    public var advice: String? {
        switch self {
        case .unknownVariant: return "see the profile's variants with 'termflash identify'"
        case .brandingUnknown: return "give it with --from VARIANT after checking the unit's label"
        case .packageNotForVariant: return "use the package made for the target variant"
        case .revisionUnknown: return "add hardwareRevision to the profile's variants"
        case .crossRevision: return "choose a variant of the same hardware revision"
        case .identityInPackage: return "rebuild the package without that partition"
        }
    }
}
