import Foundation

extension ProfileReader {
    static let variantKeys = ["id", "carrier", "region", "firmwarePattern", "hardwareRevision"]

    /// One `variants` entry; its firmware pattern must compile.
    func readVariant(_ field: YAMLField) -> ProfileVariant? {
        guard let map = mapping(field, known: Self.variantKeys) else { return nil }
        let id = required(map, "id", identifier)
        let carrier = optional(map, "carrier", string)
        let region = optional(map, "region", string)
        let pattern = required(map, "firmwarePattern", regularExpression)
        let hardwareRevision = optional(map, "hardwareRevision", string)
        guard let id, let pattern else { return nil }
        return ProfileVariant(id: id, carrier: carrier, region: region, firmwarePattern: pattern,
                              hardwareRevision: hardwareRevision)
    }

    private func regularExpression(_ field: YAMLField) -> String? {
        guard let pattern = nonEmptyString(field) else { return nil }
        do {
            _ = try NSRegularExpression(pattern: pattern)
            return pattern
        } catch {
            report(field, "'\(pattern)' is not a valid regular expression; check brackets, parentheses and escapes")
            return nil
        }
    }
}
