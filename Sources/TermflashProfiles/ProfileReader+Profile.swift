import TermflashCore

extension ProfileReader {
    static let profileKeys = [
        "schemaVersion", "id", "vendor", "model", "kind", "chipset", "protocolFamily", "description",
        "identities", "modeSwitches", "console", "storage", "variants", "nvWriteAllowList",
    ]

    /// Reads a whole profile; `nil` when any issue was found in the file.
    func readProfile(_ root: YAMLField) -> DeviceProfile? {
        guard let map = mapping(root, known: Self.profileKeys) else { return nil }
        readSchemaVersion(map)
        let id = required(map, "id", identifier)
        let vendor = required(map, "vendor", nonEmptyString)
        let model = required(map, "model", nonEmptyString)
        let kind = required(map, "kind") { choice($0, DeviceProfile.Kind.self) }
        let family = required(map, "protocolFamily") { choice($0, DeviceProfile.ProtocolFamily.self) }
        let identities = readIdentities(map)
        let switches = list(map, "modeSwitches") { readModeSwitch($0, identities: identities) }
        let console = optional(map, "console", readConsole)
        let storage = readStorage(map)
        let variants = readVariants(map)
        let nvItems = readNVWriteAllowList(map)
        guard issues.isEmpty, let id, let vendor, let model, let kind, let family else { return nil }
        return DeviceProfile(
            id: id, vendor: vendor, model: model, kind: kind, chipset: optional(map, "chipset", string),
            protocolFamily: family, description: optional(map, "description", string),
            identities: identities, modeSwitches: switches.map(\.value), console: console, storage: storage,
            variants: variants, nvWriteAllowList: nvItems, sourcePath: file)
    }

    /// The line of the `id` field, for messages about duplicate ids.
    static func idLine(of root: YAMLField) -> Int? {
        guard case .mapping(let mapping) = root.node else { return nil }
        return mapping.first { $0.key.string == "id" }?.key.mark?.line
    }

    private func readSchemaVersion(_ map: FieldMap) {
        guard let version = required(map, "schemaVersion", { integer($0) }) else { return }
        if version != DeviceProfile.schemaVersion {
            report(map["schemaVersion"]!, "schema version \(version) is not supported; this termflash reads "
                + "schemaVersion: \(DeviceProfile.schemaVersion) (see DeviceProfiles/SCHEMA.md)")
        }
    }

    private func readVariants(_ map: FieldMap) -> [ProfileVariant] {
        let variants = list(map, "variants", readVariant)
        var seen: [String: String] = [:]
        for (variant, field) in variants {
            if let first = seen[variant.id] {
                report(field.path(ofKey: "id"), line: field.line, "variant id '\(variant.id)' is already used at \(first)")
            }
            seen[variant.id] = seen[variant.id] ?? field.path
        }
        return variants.map(\.value)
    }

    private func readNVWriteAllowList(_ map: FieldMap) -> [Int] {
        list(map, "nvWriteAllowList") { field -> Int? in
            guard let item = integer(field, range: 0...0xFFFF) else { return nil }
            if let name = NVWritePolicy.identityItems[item] {
                report(field, "NV item \(item) (\(name)) is an identity item: termflash never writes identity "
                    + "calibration (IMEI, ESN, MEID and the like), so it cannot be allowed; remove it from the list")
                return nil
            }
            return item
        }.map(\.value)
    }
}
