import TermflashCore

/// A USB identity from the built-in table of ZTE and Qualcomm devices.
public struct KnownIdentity: Sendable, Encodable, Equatable {
    /// The vendor and product id.
    public var identity: USBIdentity
    /// The best recorded name, or a placeholder naming the vendor.
    public var name: String
    /// The mode the identity usually means.
    public var mode: DeviceMode
    /// Interface number to role, where the sources say.
    public var interfaceRoles: [Int: InterfaceRole]
    /// usb_modeswitch's bulk message for this identity, if it has one.
    public var modeswitchMessage: [UInt8]?
    /// Whether usb_modeswitch sends its standard SCSI eject sequence.
    public var modeswitchStandardEject: Bool
    /// The identities usb_modeswitch expects the device to switch to.
    public var modeswitchTargets: [USBIdentity]

    /// Creates an entry.
    public init(identity: USBIdentity, name: String, mode: DeviceMode, interfaceRoles: [Int: InterfaceRole] = [:],
                modeswitchMessage: [UInt8]? = nil, modeswitchStandardEject: Bool = false,
                modeswitchTargets: [USBIdentity] = []) {
        self.identity = identity
        self.name = name
        self.mode = mode
        self.interfaceRoles = interfaceRoles
        self.modeswitchMessage = modeswitchMessage
        self.modeswitchStandardEject = modeswitchStandardEject
        self.modeswitchTargets = modeswitchTargets
    }
}
