import Foundation
import TermflashProfiles

/// Tells a unit's branding from what it reported: each evidence string is matched against
/// the profile's variant firmware patterns (ZTE puts the carrier in the version string:
/// `BD_TELIA…`, `HGGB…`); the hardware revision comes from a U-Boot variable such as
/// `hw_ver` or from the matched variant.
public struct BrandingIdentifier {
    public let profile: DeviceProfile

    /// An identifier for units of `profile`.
    public init(profile: DeviceProfile) { self.profile = profile }

    /// U-Boot variable names read as the hardware revision.
    static let hardwareRevisionKeys: Set<String> = ["hw_ver", "hwver", "hw_version", "hardware_version", "hw_rev", "board_rev", "hwrev"]

    /// The identification from `evidence`.
    public func identify(_ evidence: [BrandingEvidence]) -> Identification {
        var matches: [Identification.Match] = []
        for item in evidence {
            for variant in profile.variants where variant.matches(firmwareName: item.text) {
                matches.append(Identification.Match(variant: variant.id, evidence: item))
            }
        }
        let variantIDs = Array(Set(matches.map(\.variant))).sorted()
        var notes: [String] = []
        var variant: ProfileVariant?
        if variantIDs.count == 1 {
            variant = profile.variants.first { $0.id == variantIDs[0] }
        } else if variantIDs.count > 1 {
            notes.append("evidence matches several variants (\(variantIDs.joined(separator: ", "))); the branding is ambiguous")
        } else {
            notes.append("no evidence matches a variant pattern of profile \(profile.id)")
        }
        let told = evidence.first { $0.key.map { Self.hardwareRevisionKeys.contains($0.lowercased()) } ?? false }
        var revision = told?.text ?? variant?.hardwareRevision
        if let told, let expected = variant?.hardwareRevision, told.text != expected {
            notes.append("\(told.source) says hardware revision \(told.text), variant \(variant?.id ?? "") is built on \(expected); using the device's word")
            revision = told.text
        }
        let firmware = matches.first { $0.variant == variant?.id }.flatMap { variant?.firmwareVersion(in: $0.evidence.text) }
        return Identification(profile: profile.id, variant: variant, hardwareRevision: revision, firmwareVersion: firmware,
                              matches: matches, evidenceCount: evidence.count, notes: notes)
    }
}

/// What `identify` found.
public struct Identification: Sendable, Encodable {
    /// One evidence string that matched a variant's pattern.
    public struct Match: Sendable, Encodable {
        public let variant: String
        public let evidence: BrandingEvidence
    }

    public let profile: String
    public let variant: ProfileVariant?
    public let hardwareRevision: String?
    public let firmwareVersion: String?
    public let matches: [Match]
    public let evidenceCount: Int
    public let notes: [String]

    /// The facts a package guard uses.
    public var facts: UnitFacts {
        UnitFacts(profile: profile, hardwareRevision: hardwareRevision, variant: variant?.id, firmwareVersion: firmwareVersion)
    }

    /// Lines for people.
    public var text: String {
        var lines = ["profile \(profile)"]
        if let variant {
            let names = [variant.carrier, variant.region].compactMap { $0 }.joined(separator: ", ")
            lines.append("branding \(variant.id)" + (names.isEmpty ? "" : " (\(names))"))
        } else {
            lines.append("branding unknown")
        }
        lines.append("hardware revision \(hardwareRevision ?? "unknown")")
        lines.append("firmware \(firmwareVersion ?? "unknown")")
        lines.append("evidence: \(evidenceCount) string(s) read, \(matches.count) matched")
        for match in matches.prefix(20) { lines.append("  \(match.variant) <- \(match.evidence.source): \(match.evidence.text)") }
        for note in notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }
}
