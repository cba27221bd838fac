import TermflashCore

extension ProfileLibrary {
    /// The profiles that list this identity, in library order.
    public func profiles(matching identity: USBIdentity) -> [DeviceProfile] {
        profiles.filter { $0.identity(identity) != nil }
    }

    /// A profile's description of the identity, else the known-identities table's, else `nil`.
    /// When several profiles list it (as chip-wide modes like 05c6:9008 are), a generic profile wins.
    public func identify(_ identity: USBIdentity) -> DeviceIdentification? {
        let candidates = profiles(matching: identity)
        if let profile = candidates.first(where: { $0.kind == .generic }) ?? candidates.first,
           let entry = profile.identity(identity) {
            return DeviceIdentification(identity: identity, profileID: profile.id, name: profile.displayName,
                                        detail: entry.name, mode: entry.mode,
                                        interfaceRoles: entry.interfaceRoles, source: .profile)
        }
        guard let known = KnownIdentities.lookup(identity) else { return nil }
        return DeviceIdentification(identity: identity, profileID: nil, name: known.name, mode: known.mode,
                                    interfaceRoles: known.interfaceRoles, source: .knownIdentity)
    }
}
