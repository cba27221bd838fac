import TermflashCore

/// Why a DMSS DLOAD exchange failed.
public enum DLoadError: Error, Equatable, CustomStringConvertible {
    /// A packet shorter than its layout.
    case truncated(packet: String, needed: Int, got: Int)
    /// The device refused a packet.
    case nak(command: String, reason: DLoadNAKReason)
    /// The device answered with something other than ACK/NAK or the expected reply.
    case unexpectedReply(command: String, reply: String)
    /// The programmer file is empty or larger than the device takes.
    case badProgrammer(path: String, reason: String)
    /// The link failed.
    case link(HDLCLinkError)

    public var description: String {
        switch self {
        case let .truncated(packet, needed, got):
            return "\(packet) has \(got) bytes, its layout needs at least \(needed)"
        case let .nak(command, reason):
            return "the device refused DLOAD \(command): \(reason)"
        case let .unexpectedReply(command, reply):
            return "DLOAD \(command) was answered with \(reply); the device may not be in download mode (try `termflash mode --to download`)"
        case let .badProgrammer(path, reason):
            return "programmer \(path): \(reason)"
        case let .link(error):
            return "DLOAD: \(error)"
        }
    }
}
