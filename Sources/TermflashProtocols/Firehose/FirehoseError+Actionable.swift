import TermflashCore

extension FirehoseError: ActionableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .noResponse: return .timedOut
        case .deviceLost: return .deviceVanished
        case .authenticationRequired, .nak: return .refused
        default: return .protocolError
        }
    }

    public var advice: String? {
        switch self {
        case .nak: return "the device log says why; fix the input or the storage type (--memory) and run again; --skip-unchanged resumes quickly"
        case .malformedXML: return "the programmer's answers are not Firehose XML: check --programmer is a Firehose programmer for this SoC"
        default: return nil
        }
    }
}

extension SaharaError: ActionableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .noHello: return .timedOut
        case .deviceStatus: return .refused
        default: return .protocolError
        }
    }

    public var advice: String? {
        switch self {
        case .deviceStatus(let status, _) where [0x20, 0x21, 0x22, 0x24].contains(status.rawValue):
            return "use the programmer signed for this unit's OEM key (termflash info prints its hash)"
        default: return nil
        }
    }
}
