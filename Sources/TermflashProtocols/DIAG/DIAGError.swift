import TermflashCore

/// Why a DIAG exchange failed, with what to do next where there is something to do.
public enum DIAGError: Error, Equatable, CustomStringConvertible {
    /// A reply shorter than its layout.
    case truncated(command: String, needed: Int, got: Int)
    /// A reply with a code that does not answer the request.
    case unexpectedReply(code: UInt8, length: Int)
    /// The device answered with a DIAG error reply.
    case rejected(DIAGErrorReply)
    /// The device answered an NV request with a status other than OK.
    case nvStatus(item: UInt16, status: UInt16, meaning: String)
    /// The item holds the device's identity (IMEI, ESN, MEID…) and is never written.
    case identityItem(item: UInt16, name: String)
    /// The profile does not allow writing this item.
    case notAllowListed(item: UInt16, profile: String?)
    /// The SPC was wrong.
    case spcRejected
    /// The link failed: a bad frame, no reply in time, the device gone.
    case link(HDLCLinkError)

    public var description: String {
        switch self {
        case let .truncated(command, needed, got):
            return "DIAG \(command) reply has \(got) bytes, its layout needs \(needed); the device may speak another protocol (is it in DIAG mode?)"
        case let .unexpectedReply(code, length):
            return "DIAG reply with code 0x\(byteHex(code)) (\(length) bytes) does not answer the request; the port may not be the DIAG port"
        case let .rejected(reply):
            return reply.description
        case let .nvStatus(item, status, meaning):
            return "NV item \(item): status \(status) (\(meaning))"
        case let .identityItem(item, name):
            return "NV item \(item) (\(name)) holds the device's identity; termflash never writes identity items "
                + "(changing an IMEI or ESN is illegal in many countries and can make the unit unusable on networks)"
        case let .notAllowListed(item, profile):
            return "NV item \(item) is not in the nvWriteAllowList of " + (profile.map { "profile \($0)" } ?? "the device profile")
                + "; only items a profile allows are written"
        case .spcRejected:
            return "the device rejected the service programming code (SPC); check the code (often 000000), too many wrong tries lock the unit"
        case let .link(error):
            return "DIAG: \(error)"
        }
    }
}
