import TermflashCore

/// A DIAG reply, decoded. Layouts: PROTOCOLS.md B4; the extended build id follows the DMSS
/// ICD "Extended Build ID Response" (cmd, format, 2 reserved, hw version u32, model id u32,
/// build id and model strings, each NUL-terminated).
public enum DIAGResponse: Sendable, Equatable {
    case versionInfo(DIAGVersionInfo)
    case diagVersion(UInt16)
    case extendedBuildID(DIAGExtendedBuildID)
    /// An NV read or write reply (also indexed reads; `index` is set then).
    case nvItem(NVItemReply)
    /// The SPC reply: accepted or not.
    case spc(accepted: Bool)
    /// The device echoed the switch command and will re-enumerate.
    case switchAcknowledged(code: UInt8)
    /// An error reply (0x13 bad command, 0x14 bad parameter, 0x15 bad length, 0x18 bad mode,
    /// 0x42 SPC locked, 0x47 security required) with the request it refers to.
    case error(DIAGErrorReply)

    /// Decodes a reply payload (HDLC framing removed).
    public static func parse(_ payload: [UInt8]) throws(DIAGError) -> DIAGResponse {
        guard let code = payload.first else { throw .truncated(command: "reply", needed: 1, got: 0) }
        if let kind = DIAGErrorReply.Kind(rawValue: code) {
            return .error(DIAGErrorReply(kind: kind, request: Array(payload.dropFirst())))
        }
        switch code {
        case DIAGRequest.Code.versionInfo: return .versionInfo(try DIAGVersionInfo(payload))
        case DIAGRequest.Code.diagVersion:
            guard payload.count >= 3 else { throw .truncated(command: "DIAG-VERSION", needed: 3, got: payload.count) }
            return .diagVersion(UInt16(payload[1]) | UInt16(payload[2]) << 8)
        case DIAGRequest.Code.extendedBuildID: return .extendedBuildID(try DIAGExtendedBuildID(payload))
        case DIAGRequest.Code.nvRead, DIAGRequest.Code.nvWrite: return .nvItem(try NVItemReply(payload))
        case DIAGRequest.Code.spc:
            guard payload.count >= 2 else { throw .truncated(command: "SPC", needed: 2, got: payload.count) }
            return .spc(accepted: payload[1] == 1)
        case DIAGRequest.Code.download: return .switchAcknowledged(code: code)
        case DIAGRequest.Code.subsystem: return try parseSubsystem(payload)
        default: throw .unexpectedReply(code: code, length: payload.count)
        }
    }

    private static func parseSubsystem(_ payload: [UInt8]) throws(DIAGError) -> DIAGResponse {
        guard payload.count >= 4 else { throw .truncated(command: "subsystem reply", needed: 4, got: payload.count) }
        switch payload[1] {
        case DIAGRequest.Code.subsystemEmergency: return .switchAcknowledged(code: DIAGRequest.Code.subsystem)
        case DIAGRequest.Code.subsystemNV: return .nvItem(try NVItemReply(indexed: payload))
        default: throw .unexpectedReply(code: payload[0], length: payload.count)
        }
    }

    /// The reply bytes, without framing (the device side of the simulator sends these).
    public var payload: [UInt8] {
        switch self {
        case let .versionInfo(info): return info.payload
        case let .diagVersion(version): return [DIAGRequest.Code.diagVersion, UInt8(version & 0xFF), UInt8(version >> 8)]
        case let .extendedBuildID(build): return build.payload
        case let .nvItem(reply): return reply.payload
        case let .spc(accepted): return [DIAGRequest.Code.spc, accepted ? 1 : 0]
        case let .switchAcknowledged(code):
            return code == DIAGRequest.Code.subsystem ? [0x4B, 0x65, 0x01, 0x00] : [code]
        case let .error(reply): return [reply.kind.rawValue] + reply.request
        }
    }
}

/// A DIAG error reply: the code and the request bytes the device echoes back.
public struct DIAGErrorReply: Sendable, Equatable, CustomStringConvertible {
    /// The error codes of PROTOCOLS.md B4.
    public enum Kind: UInt8, Sendable {
        case badCommand = 0x13, badParameter = 0x14, badLength = 0x15, badMode = 0x18
        case spcLocked = 0x42, securityRequired = 0x47

        /// What it means, in words.
        public var meaning: String {
            switch self {
            case .badCommand: return "the device does not know this command"
            case .badParameter: return "a parameter was rejected"
            case .badLength: return "the request has the wrong length"
            case .badMode: return "the command is not allowed in the device's current mode"
            case .spcLocked: return "the service programming code (SPC) must be sent first"
            case .securityRequired: return "the security password must be sent first"
            }
        }
    }

    public var kind: Kind
    /// The echoed request.
    public var request: [UInt8]

    /// An error reply.
    public init(kind: Kind, request: [UInt8]) {
        self.kind = kind
        self.request = request
    }

    public var description: String {
        let command = request.first.map { "command 0x" + byteHex($0) } ?? "the request"
        return "DIAG error 0x\(byteHex(kind.rawValue)) for \(command): \(kind.meaning)"
    }
}
