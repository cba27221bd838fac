import TermflashCore

/// What termflash knows about a USB device from its vendor and product id.
public struct DeviceIdentification: Sendable, Encodable, Equatable {
    /// Where the knowledge came from.
    public enum Source: String, Sendable, Codable {
        /// A device profile under `DeviceProfiles/`.
        case profile
        /// The built-in table of known identities.
        case knownIdentity
    }

    /// The identity that was looked up.
    public var identity: USBIdentity
    /// The matching profile's id; `nil` when no profile describes the device.
    public var profileID: String?
    /// The device's name, e.g. `ZTE MF823`.
    public var name: String
    /// A note on the mode, e.g. the profile identity's name.
    public var detail: String?
    /// The mode the identity means.
    public var mode: DeviceMode
    /// Interface number to role, where known.
    public var interfaceRoles: [Int: InterfaceRole]
    /// Where the knowledge came from.
    public var source: Source

    /// Creates an identification.
    public init(identity: USBIdentity, profileID: String?, name: String, detail: String? = nil,
                mode: DeviceMode, interfaceRoles: [Int: InterfaceRole], source: Source) {
        self.identity = identity
        self.profileID = profileID
        self.name = name
        self.detail = detail
        self.mode = mode
        self.interfaceRoles = interfaceRoles
        self.source = source
    }

    /// The interface numbers that have a role, lowest first.
    public func interfaces(withRole role: InterfaceRole) -> [Int] {
        interfaceRoles.filter { $0.value == role }.map(\.key).sorted()
    }
}
