import TermflashCore

/// One USB identity a profiled device enumerates as, and what its interfaces do.
public struct ProfileIdentity: Sendable, Encodable, Equatable {
    /// One interface of the identity and its role.
    public struct Interface: Sendable, Encodable, Equatable {
        /// The USB interface number.
        public var number: Int
        /// What the interface is used for.
        public var role: InterfaceRole

        /// Creates an interface entry.
        public init(number: Int, role: InterfaceRole) {
            self.number = number
            self.role = role
        }
    }

    /// The vendor and product id.
    public var usb: USBIdentity
    /// The mode the device is in when it shows this identity.
    public var mode: DeviceMode
    /// A short name for this mode, e.g. `CD-ROM installer`.
    public var name: String?
    /// The interfaces whose role is known.
    public var interfaces: [Interface]

    /// Creates an identity entry.
    public init(usb: USBIdentity, mode: DeviceMode, name: String? = nil, interfaces: [Interface] = []) {
        self.usb = usb
        self.mode = mode
        self.name = name
        self.interfaces = interfaces
    }

    /// Interface number to role.
    public var interfaceRoles: [Int: InterfaceRole] {
        Dictionary(interfaces.map { ($0.number, $0.role) }, uniquingKeysWith: { first, _ in first })
    }
}
