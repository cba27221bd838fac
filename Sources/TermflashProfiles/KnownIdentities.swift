import TermflashCore

/// The built-in table of ZTE and Qualcomm USB identities, parsed on first use.
public enum KnownIdentities {
    /// Names used when the table records no name for an identity.
    private static let vendorNames: [UInt16: String] = [0x19d2: "ZTE", 0x05c6: "Qualcomm"]

    private static let table: [USBIdentity: KnownIdentity] = parse(tableText)

    /// The entry for an identity, if the table has one.
    public static func lookup(_ identity: USBIdentity) -> KnownIdentity? {
        table[identity]
    }

    /// Every entry, sorted by identity.
    public static var all: [KnownIdentity] {
        table.values.sorted { $0.identity < $1.identity }
    }

    /// Parses tab-separated lines: vid, pid, mode, name, roles, message, targets, eject.
    static func parse(_ text: String) -> [USBIdentity: KnownIdentity] {
        var entries: [USBIdentity: KnownIdentity] = [:]
        for line in text.split(separator: "\n") {
            if let entry = entry(from: line) { entries[entry.identity] = entry }
        }
        return entries
    }

    private static func entry(from line: Substring) -> KnownIdentity? {
        var columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard columns.count >= 3, let identity = USBIdentity("\(columns[0]):\(columns[1])") else { return nil }
        columns += Array(repeating: "", count: max(0, 8 - columns.count))
        let vendor = vendorNames[identity.vendorID] ?? "USB"
        return KnownIdentity(
            identity: identity,
            name: columns[3].isEmpty ? "\(vendor) device \(identity)" : columns[3],
            mode: DeviceMode(rawValue: columns[2]) ?? .unknown,
            interfaceRoles: roles(columns[4]),
            modeswitchMessage: columns[5].isEmpty ? nil : [UInt8](hex: columns[5]),
            modeswitchStandardEject: columns[7] == "1",
            modeswitchTargets: columns[6].split(separator: ",").compactMap { USBIdentity(String($0)) })
    }

    /// `0=at;2=at-secondary` as a dictionary; malformed pairs are skipped.
    private static func roles(_ text: String) -> [Int: InterfaceRole] {
        var roles: [Int: InterfaceRole] = [:]
        for pair in text.split(separator: ";") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let number = Int(parts[0]), let role = InterfaceRole(rawValue: String(parts[1]))
            else { continue }
            roles[number] = role
        }
        return roles
    }
}
