import TermflashCore

/// Why a DMSS DLOAD device refused a packet (the u16 of a NAK). PROTOCOLS.md B3.
public struct DLoadNAKReason: Sendable, Equatable, CustomStringConvertible {
    public var code: UInt16

    /// A reason from its code.
    public init(code: UInt16) { self.code = code }

    public static let badFCS = DLoadNAKReason(code: 0x01)
    public static let badDestination = DLoadNAKReason(code: 0x02)
    public static let badLength = DLoadNAKReason(code: 0x03)
    public static let earlyEnd = DLoadNAKReason(code: 0x04)
    public static let tooLarge = DLoadNAKReason(code: 0x05)
    public static let badCommand = DLoadNAKReason(code: 0x06)
    public static let failed = DLoadNAKReason(code: 0x07)
    public static let wrongFlashID = DLoadNAKReason(code: 0x08)
    public static let badVpp = DLoadNAKReason(code: 0x09)
    public static let verifyFailed = DLoadNAKReason(code: 0x0A)
    public static let unlockRequired = DLoadNAKReason(code: 0x0B)
    public static let badSecurityCode = DLoadNAKReason(code: 0x0C)
    public static let cannotPowerDown = DLoadNAKReason(code: 0x0D)
    public static let notPermitted = DLoadNAKReason(code: 0x0E)
    public static let badReadAddress = DLoadNAKReason(code: 0x0F)

    /// What the device meant, in words, for every reason 0x01–0x0F.
    public var meaning: String {
        switch code {
        case 0x01: return "bad frame check sequence (the CRC of the packet was wrong)"
        case 0x02: return "bad destination address"
        case 0x03: return "bad length"
        case 0x04: return "packet ended early"
        case 0x05: return "data too large"
        case 0x06: return "unknown or invalid command"
        case 0x07: return "operation failed"
        case 0x08: return "wrong flash intelligent id"
        case 0x09: return "bad programming voltage (Vpp)"
        case 0x0A: return "write verify failed"
        case 0x0B: return "the device must be unlocked first"
        case 0x0C: return "bad security code"
        case 0x0D: return "the device cannot power down"
        case 0x0E: return "operation not permitted in this state"
        case 0x0F: return "bad read address"
        default: return "unknown reason"
        }
    }

    public var description: String { "NAK 0x\(byteHex(UInt8(truncatingIfNeeded: code))): \(meaning)" }
}
