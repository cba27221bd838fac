import TermflashCore

/// How to move a device from one mode to another, and the identity it must come back as.
public struct ModeSwitch: Sendable, Encodable, Equatable {
    /// The mechanism that triggers the switch.
    public enum Method: String, CaseIterable, Sendable, Codable {
        /// Bulk-only mass-storage messages, as usb_modeswitch sends them.
        case usbModeswitch = "usb-modeswitch"
        /// An AT command on an AT port.
        case atCommand = "at-command"
        /// A Qualcomm DIAG command, HDLC-framed.
        case diagCommand = "diag-command"
    }

    /// usb_modeswitch's `StandardEject` CBWs: ALLOW MEDIUM REMOVAL, then START STOP UNIT with LoEj.
    public static let standardEjectMessages: [[UInt8]] = [
        [UInt8](hex: "5553424387654321000000000000061e000000000000000000000000000000")!,
        [UInt8](hex: "5553424397654321000000000000061b000000020000000000000000000000")!,
    ]

    /// The mode the device is in before.
    public var from: DeviceMode
    /// The mode the device is in after.
    public var to: DeviceMode
    /// How the switch is triggered.
    public var method: Method
    /// The bulk message for `usb-modeswitch`.
    public var message: [UInt8]?
    /// Whether `usb-modeswitch` sends the standard SCSI eject sequence.
    public var standardEject: Bool
    /// The AT command for `at-command`, e.g. `AT+ZCDRUN=E`.
    public var command: String?
    /// The DIAG command code for `diag-command`, e.g. `0x3A`.
    public var opcode: UInt8?
    /// The interface role the trigger is sent on.
    public var interfaceRole: InterfaceRole?
    /// The identity the device must re-enumerate as.
    public var expect: USBIdentity

    /// Creates a mode switch.
    public init(from: DeviceMode, to: DeviceMode, method: Method, message: [UInt8]? = nil,
                standardEject: Bool = false, command: String? = nil, opcode: UInt8? = nil,
                interfaceRole: InterfaceRole? = nil, expect: USBIdentity) {
        self.from = from
        self.to = to
        self.method = method
        self.message = message
        self.standardEject = standardEject
        self.command = command
        self.opcode = opcode
        self.interfaceRole = interfaceRole
        self.expect = expect
    }

    /// The bulk messages a `usb-modeswitch` switch sends, in order: the eject sequence, then `message`.
    public var bulkMessages: [[UInt8]] {
        guard method == .usbModeswitch else { return [] }
        return (standardEject ? Self.standardEjectMessages : []) + (message.map { [$0] } ?? [])
    }

    /// The role to send on: the one given, else `at` for AT commands and `diag` for DIAG commands.
    public var effectiveInterfaceRole: InterfaceRole? {
        if let interfaceRole { return interfaceRole }
        switch method {
        case .atCommand: return .at
        case .diagCommand: return .diag
        case .usbModeswitch: return .storage
        }
    }
}
