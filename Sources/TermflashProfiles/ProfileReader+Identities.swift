import TermflashCore

extension ProfileReader {
    static let identityKeys = ["usb", "mode", "name", "interfaces"]
    static let interfaceKeys = ["number", "role"]

    /// The `identities` list; each USB identity may appear once.
    func readIdentities(_ map: FieldMap) -> [ProfileIdentity] {
        var seen: [USBIdentity: String] = [:]
        return list(map, "identities", readIdentity).compactMap { identity, field in
            if let first = seen[identity.usb] {
                report(field.path(ofKey: "usb"), line: field.line,
                       "\(identity.usb) is already listed at \(first); list each identity once")
                return nil
            }
            seen[identity.usb] = field.path
            return identity
        }
    }

    private func readIdentity(_ field: YAMLField) -> ProfileIdentity? {
        guard let map = mapping(field, known: Self.identityKeys) else { return nil }
        let usb = required(map, "usb", usbIdentity)
        let deviceMode = required(map, "mode", mode)
        let name = optional(map, "name", string)
        let interfaces = readInterfaces(map)
        guard let usb, let deviceMode else { return nil }
        return ProfileIdentity(usb: usb, mode: deviceMode, name: name, interfaces: interfaces)
    }

    private func readInterfaces(_ map: FieldMap) -> [ProfileIdentity.Interface] {
        var seen: Set<Int> = []
        return list(map, "interfaces", readInterface).compactMap { interface, field in
            guard seen.insert(interface.number).inserted else {
                report(field.path(ofKey: "number"), line: field.line,
                       "interface \(interface.number) is listed twice; give each interface one role")
                return nil
            }
            return interface
        }
    }

    private func readInterface(_ field: YAMLField) -> ProfileIdentity.Interface? {
        guard let map = mapping(field, known: Self.interfaceKeys) else { return nil }
        let number = required(map, "number") { integer($0, range: 0...255) }
        let role = required(map, "role") { choice($0, InterfaceRole.self) }
        guard let number, let role else { return nil }
        return ProfileIdentity.Interface(number: number, role: role)
    }
}
