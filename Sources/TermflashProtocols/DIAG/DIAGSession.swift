import TermflashCore
import TermflashProfiles

/// What DIAG tells about a unit, for `identify` and reports: the version reply and the
/// extended build id, each `nil` when the firmware does not answer it.
public struct DIAGIdentity: Sendable, Equatable, Codable {
    public var versionInfo: DIAGVersionInfo?
    public var extendedBuildID: DIAGExtendedBuildID?
    public var diagVersion: UInt16?

    /// An identity.
    public init(versionInfo: DIAGVersionInfo?, extendedBuildID: DIAGExtendedBuildID?, diagVersion: UInt16?) {
        self.versionInfo = versionInfo
        self.extendedBuildID = extendedBuildID
        self.diagVersion = diagVersion
    }

    /// The firmware build: the extended build id, else the version directory and release date.
    public var firmwareBuild: String? {
        if let build = extendedBuildID?.buildID, !build.isEmpty { return build }
        return versionInfo.map { "\($0.versionDirectory) \($0.releaseDate) \($0.releaseTime)" }
    }
}

/// A DIAG conversation over a transport (the DIAG port of a modem in diagnostic mode).
/// Layouts: PROTOCOLS.md B4. Frames go out without a leading flag, as DIAG hosts send them.
public final class DIAGSession {
    /// The framed link.
    public let link: HDLCLink

    /// A session on `transport`; replies may take `timeoutMilliseconds`.
    public init(transport: Transport, timeoutMilliseconds: Int = 3_000) {
        link = HDLCLink(transport: transport, leadingFlag: false, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Sends a request and decodes its reply; error replies throw ``DIAGError/rejected(_:)``.
    public func send(_ request: DIAGRequest) throws(DIAGError) -> DIAGResponse {
        let payload = request.payload
        let reply: [UInt8]
        do {
            reply = try link.exchange(payload, what: "DIAG \(request.name)") { Self.answers(payload, $0) }
        } catch {
            throw .link(error)
        }
        let response = try DIAGResponse.parse(reply)
        if case let .error(rejection) = response { throw .rejected(rejection) }
        return response
    }

    /// DIAG 0x00.
    public func versionInfo() throws(DIAGError) -> DIAGVersionInfo {
        guard case let .versionInfo(info) = try send(.versionInfo) else { throw .unexpectedReply(code: 0, length: 0) }
        return info
    }

    /// DIAG 0x7C.
    public func extendedBuildID() throws(DIAGError) -> DIAGExtendedBuildID {
        guard case let .extendedBuildID(build) = try send(.extendedBuildID) else { throw .unexpectedReply(code: 0x7C, length: 0) }
        return build
    }

    /// DIAG 0x1C.
    public func diagVersion() throws(DIAGError) -> UInt16 {
        guard case let .diagVersion(version) = try send(.diagVersion) else { throw .unexpectedReply(code: 0x1C, length: 0) }
        return version
    }

    /// Version info, extended build id and DIAG version; a command the firmware rejects
    /// leaves its field `nil`, a dead link throws.
    public func identity() throws(DIAGError) -> DIAGIdentity {
        func optional<T>(_ body: () throws(DIAGError) -> T) throws(DIAGError) -> T? {
            do { return try body() } catch .rejected { return nil }
        }
        return DIAGIdentity(versionInfo: try optional(versionInfo), extendedBuildID: try optional(extendedBuildID),
                            diagVersion: try optional(diagVersion))
    }

    /// Reads an NV item (0x26), or one index of it (indexed read); a status other than OK throws.
    public func readNV(item: UInt16, index: UInt16? = nil) throws(DIAGError) -> NVItemReply {
        let request: DIAGRequest = index.map { .indexedNVRead(item: item, index: $0) } ?? .nvRead(item: item)
        guard case let .nvItem(reply) = try send(request) else { throw .unexpectedReply(code: 0x26, length: 0) }
        guard reply.status == .ok else {
            throw .nvStatus(item: item, status: reply.statusCode, meaning: reply.status?.meaning ?? "unknown status")
        }
        return reply
    }

    /// Writes an NV item the profile allow-lists. Identity items (IMEI = NV 550, ESN, MEID…)
    /// are refused before anything is sent, whatever the allow-list says.
    public func writeNV(item: UInt16, data: [UInt8], allowList: [Int], profile: String?) throws(DIAGError) {
        if let name = NVWritePolicy.identityItems[Int(item)] { throw .identityItem(item: item, name: name) }
        guard NVWritePolicy.mayWrite(item: Int(item), allowList: allowList) else { throw .notAllowListed(item: item, profile: profile) }
        guard case let .nvItem(reply) = try send(.nvWrite(item: item, data: data)) else { throw .unexpectedReply(code: 0x27, length: 0) }
        guard reply.status == .ok else {
            throw .nvStatus(item: item, status: reply.statusCode, meaning: reply.status?.meaning ?? "unknown status")
        }
    }

    /// Sends the service programming code (0x41).
    public func sendSPC(_ code: String) throws(DIAGError) {
        guard case let .spc(accepted) = try send(.spc(code)) else { throw .unexpectedReply(code: 0x41, length: 0) }
        if !accepted { throw .spcRejected }
    }

    /// DIAG 0x3A: the unit reboots into DMSS download mode. The echo is not trusted; the
    /// caller confirms the switch by the USB identity the unit comes back with.
    public func switchToDownload() throws(DIAGError) {
        try sendSwitch(.switchToDownload)
    }

    /// DIAG 0x4B 0x65 0x01 0x00: the unit reboots into emergency download (Sahara).
    public func switchToEmergencyDownload() throws(DIAGError) {
        try sendSwitch(.switchToEmergencyDownload)
    }

    /// Sends a switch and takes the echo the unit may send before it leaves (up to
    /// `echoMilliseconds`); a unit that leaves without one is fine, an error reply throws.
    private func sendSwitch(_ request: DIAGRequest, echoMilliseconds: Int = 500) throws(DIAGError) {
        do { try link.send(request.payload, what: "DIAG \(request.name)") } catch { throw .link(error) }
        guard let echo = try? link.receive(waitingFor: "the echo of \(request.name)", deadline: .after(milliseconds: echoMilliseconds)) else { return }
        if case let .error(rejection)? = try? DIAGResponse.parse(echo) { throw .rejected(rejection) }
    }

    /// Whether `reply` answers `request`: same command code (and subsystem), or an error reply.
    static func answers(_ request: [UInt8], _ reply: [UInt8]) -> Bool {
        guard let code = reply.first, let sent = request.first else { return false }
        if DIAGErrorReply.Kind(rawValue: code) != nil { return true }
        if code != sent { return false }
        return code != DIAGRequest.Code.subsystem || (reply.count > 1 && request.count > 1 && reply[1] == request[1])
    }
}
