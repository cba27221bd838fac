import TermflashCore

/// The host side of Firehose: XML commands, their responses and raw data over one transport.
/// Any NAK stops at once with the command, the device's log and what was already written.
public final class FirehoseHost {
    /// Timeouts per step (qdl's values by default; PROTOCOLS.md B2).
    public struct Timeouts: Sendable {
        public var configureMilliseconds = 2000
        public var setupMilliseconds = 10_000
        public var finalMilliseconds = 120_000
        public var chunkMilliseconds = 10_000
        public var patchMilliseconds = 5000
        /// How long to keep listening for log lines after a response.
        public var lateLogMilliseconds = 30

        /// Default timeouts; SPI-NOR needs `chunkMilliseconds` 60 s.
        public init() {}
    }

    private let transport: Transport
    public var timeouts: Timeouts
    private var splitter = FirehoseStreamSplitter()
    /// Settled by ``configure(memory:payloadSize:)``.
    public private(set) var configuration: FirehoseConfiguration?
    /// Log lines that arrived outside any command (late logs of the previous one).
    public private(set) var strayLog: [String] = []

    /// A host over `transport` (a programmer must already run on the device).
    public init(transport: Transport, timeouts: Timeouts = Timeouts()) {
        self.transport = transport
        self.timeouts = timeouts
    }

    /// Raw payload size in use (1 MiB before configure).
    public var payloadSize: Int { configuration?.maxPayloadToTarget ?? 1 << 20 }

    // MARK: configure

    /// Negotiates storage type and payload size: retries with the size the device offers,
    /// and with UFS when eMMC is refused (unless `memory` names one).
    @discardableResult
    public func configure(memory: String? = nil, payloadSize: Int = 1 << 20) throws -> FirehoseConfiguration {
        let memories = memory.map { [$0.lowercased()] } ?? ["emmc", "ufs"]
        var tried: [String] = []
        var lastLog: [String] = []
        var attempts = 0
        for name in memories {
            var size = payloadSize
            for _ in 0..<3 {
                attempts += 1
                tried.append("\(name)/\(size)")
                let response = try exchange(configureElement(memory: name, payload: size), milliseconds: timeouts.configureMilliseconds)
                lastLog = response.log
                if response.log.contains(where: { $0.contains("Only nop and sig tag") }) {
                    throw FirehoseError.authenticationRequired(log: response.log)
                }
                let offered = response["MaxPayloadSizeToTargetInBytes"].flatMap { Int($0) }
                if response.acknowledged, offered == nil || offered == size {
                    let settled = FirehoseConfiguration(
                        memoryName: response["MemoryName"]?.lowercased() ?? name, maxPayloadToTarget: size,
                        maxPayloadFromTarget: response["MaxPayloadSizeFromTargetInBytes"].flatMap { Int($0) },
                        targetName: response["TargetName"], version: response["Version"], attempts: attempts)
                    configuration = settled
                    return settled
                }
                guard let offered, offered > 0, offered != size else { break }
                size = offered
            }
        }
        throw FirehoseError.configureFailed(tried: tried, log: lastLog)
    }

    private func configureElement(memory: String, payload: Int) -> FirehoseElement {
        FirehoseElement("configure", [
            ("MemoryName", memory), ("MaxPayloadSizeToTargetInBytes", String(payload)), ("Verbose", "0"),
            ("ZlpAwareHost", "1"), ("SkipStorageInit", "0"),
        ])
    }

    // MARK: simple commands

    /// `<nop/>`: the log lists the supported functions.
    public func nop() throws -> [String] {
        let response = try exchange(FirehoseElement("nop"), milliseconds: timeouts.setupMilliseconds, lateLogs: true)
        return Self.supportedFunctions(in: response.log)
    }

    /// The function names between "Supported Functions" and "End of supported functions".
    public static func supportedFunctions(in log: [String]) -> [String] {
        guard let start = log.firstIndex(where: { $0.lowercased().contains("supported functions") }) else { return [] }
        return log[(start + 1)...].prefix { !$0.lowercased().contains("end of supported functions") }
            .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// `<getstorageinfo/>` for one physical partition.
    public func storageInfo(lun: Int) throws -> FirehoseStorageInfo {
        let response = try exchange(FirehoseElement("getstorageinfo", [("physical_partition_number", String(lun))]),
                                    milliseconds: timeouts.setupMilliseconds, lateLogs: true)
        guard let info = FirehoseStorageInfo.parse(log: response.log) else {
            throw FirehoseError.missingField(command: "getstorageinfo", field: "a storage_info JSON log line")
        }
        return info
    }

    /// `<getsha256digest/>` over a sector range: the 32-byte digest from the log.
    public func sha256Digest(lun: Int, startSector: String, sectors: UInt64, sectorSize: Int) throws -> [UInt8] {
        let element = FirehoseElement("getsha256digest", Self.sectorAttributes(sectorSize: sectorSize, sectors: sectors, lun: lun, start: startSector))
        let response = try exchange(element, milliseconds: timeouts.finalMilliseconds, lateLogs: true)
        for line in response.log {
            if let digest = Self.digestInLogLine(line) { return digest }
        }
        throw FirehoseError.missingField(command: "getsha256digest", field: "a 'Digest <64 hex digits>' log line")
    }

    /// The 32 bytes of a "Digest <64 hex digits>" log line, if it is one.
    public static func digestInLogLine(_ line: String) -> [UInt8]? {
        guard line.lowercased().contains("digest") else { return nil }
        for token in line.split(whereSeparator: { !$0.isHexDigit }) where token.count == 64 {
            var bytes: [UInt8] = []
            var index = token.startIndex
            while index < token.endIndex {
                let next = token.index(index, offsetBy: 2)
                guard let byte = UInt8(token[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            return bytes
        }
        return nil
    }

    /// `<erase/>` of a sector range.
    public func erase(lun: Int, startSector: String, sectors: UInt64, sectorSize: Int) throws {
        let element = FirehoseElement("erase", Self.sectorAttributes(sectorSize: sectorSize, sectors: sectors, lun: lun, start: startSector))
        _ = try exchange(element, milliseconds: timeouts.finalMilliseconds)
    }

    /// `<patch/>`: the device writes `value` (an expression it evaluates) into one sector.
    public func patch(_ attributes: [(String, String)]) throws {
        _ = try exchange(FirehoseElement("patch", attributes), milliseconds: timeouts.patchMilliseconds)
    }

    /// `<setbootablestoragedrive value="N"/>`.
    public func setBootableStorageDrive(_ lun: Int) throws {
        _ = try exchange(FirehoseElement("setbootablestoragedrive", [("value", String(lun))]), milliseconds: timeouts.setupMilliseconds)
    }

    /// `<power value="reset|off|edl"/>`.
    public func power(_ value: String) throws {
        _ = try exchange(FirehoseElement("power", [("value", value)]), milliseconds: timeouts.setupMilliseconds)
    }

    /// The attributes that place a `program`, `read` or `erase`.
    public static func sectorAttributes(sectorSize: Int, sectors: UInt64, lun: Int, start: String) -> [(String, String)] {
        [("SECTOR_SIZE_IN_BYTES", String(sectorSize)), ("num_partition_sectors", String(sectors)),
         ("physical_partition_number", String(lun)), ("start_sector", start)]
    }

    // MARK: documents

    /// Sends one command and waits for its response; a NAK throws with the log.
    @discardableResult
    public func exchange(_ element: FirehoseElement, milliseconds: Int, lateLogs: Bool = false,
                         written: String? = nil) throws -> FirehoseResponse {
        try send(element)
        return try awaitResponse(to: element.name, milliseconds: milliseconds, lateLogs: lateLogs, written: written)
    }

    func send(_ element: FirehoseElement) throws {
        try transport.write(element.document(), deadline: .after(milliseconds: timeouts.setupMilliseconds))
    }

    /// Reads documents until a `<response>`; logs before it (and, with `lateLogs` or on NAK,
    /// shortly after it) are kept with it.
    func awaitResponse(to command: String, milliseconds: Int, lateLogs: Bool = false, written: String? = nil) throws -> FirehoseResponse {
        let deadline = Deadline.after(milliseconds: milliseconds)
        var log = strayLog
        strayLog = []
        while true {
            let elements: [FirehoseElement]
            do {
                elements = try nextElements(deadline: deadline)
            } catch TransportError.timedOut {
                throw FirehoseError.noResponse(command: command, waitedMilliseconds: milliseconds, log: log)
            } catch let error as TransportError {
                throw FirehoseError.deviceLost(command: command, reason: error.description, written: written)
            }
            for (index, element) in elements.enumerated() {
                if element.name == "log" { log.append(element["value"] ?? "") }
                guard element.name == "response" else { continue }
                log += elements[(index + 1)...].filter { $0.name == "log" }.map { $0["value"] ?? "" }
                let acknowledged = element["value"]?.uppercased() == "ACK"
                if !acknowledged || lateLogs { log += collectLateLogs() }
                let response = FirehoseResponse(acknowledged: acknowledged, rawMode: element["rawmode"]?.lowercased() == "true",
                                                element: element, log: log)
                if !acknowledged, command != "configure" {
                    throw FirehoseError.nak(command: command, log: log, written: written)
                }
                return response
            }
        }
    }

    /// Log lines that arrive within the late-log window (MSM8916 sends some after the ACK).
    private func collectLateLogs() -> [String] {
        let deadline = Deadline.after(milliseconds: timeouts.lateLogMilliseconds)
        var log: [String] = []
        while let elements = try? nextElements(deadline: deadline) {
            log += elements.filter { $0.name == "log" }.map { $0["value"] ?? "" }
            if elements.contains(where: { $0.name == "response" }) { break }
        }
        return log
    }

    private func nextElements(deadline: Deadline) throws -> [FirehoseElement] {
        while true {
            splitter.skipFiller()
            if let document = try splitter.nextDocument() { return try FirehoseXML.elements(in: document) }
            splitter.feed(try transport.read(maxLength: 65536, deadline: deadline))
        }
    }

    // MARK: raw data

    /// Programs `sectors` sectors from `source` (zero-padding past its end); `progress`
    /// gets bytes sent. The final ACK is awaited; a NAK reports what was sent.
    public func program(lun: Int, startSector: String, sectors: UInt64, sectorSize: Int, source: ByteSource,
                        sourceOffset: UInt64 = 0, label: String? = nil, progress: ProgressSink? = nil) throws {
        var attributes = Self.sectorAttributes(sectorSize: sectorSize, sectors: sectors, lun: lun, start: startSector)
        if let label { attributes.append(("label", label)) }
        let setup = try exchange(FirehoseElement("program", attributes), milliseconds: timeouts.setupMilliseconds)
        guard setup.rawMode else { throw FirehoseError.missingField(command: "program", field: "rawmode=\"true\" in the ACK") }
        let total = sectors * UInt64(sectorSize)
        let sent = try stream(total: total, source: source, sourceOffset: sourceOffset, progress: progress)
        _ = try awaitResponse(to: "program", milliseconds: timeouts.finalMilliseconds,
                              written: "all \(sent) bytes were sent to LUN \(lun) from sector \(startSector), none confirmed")
    }

    private func stream(total: UInt64, source: ByteSource, sourceOffset: UInt64, progress: ProgressSink?) throws -> UInt64 {
        let chunkSize = UInt64(payloadSize)
        var sent: UInt64 = 0
        while sent < total {
            let length = Int(min(chunkSize, total - sent))
            var chunk = try source.read(offset: sourceOffset + sent, length: length)
            if chunk.count < length { chunk += [UInt8](repeating: 0, count: length - chunk.count) }
            do {
                try transport.write(chunk, deadline: .after(milliseconds: timeouts.chunkMilliseconds))
                if transport.packetSize > 1, length % transport.packetSize == 0 {
                    try transport.sendZeroLengthPacket(deadline: .after(milliseconds: timeouts.chunkMilliseconds))
                }
            } catch {
                var done = sent
                if case let .timedOut(_, _, transferred) = error { done += UInt64(transferred) }
                throw FirehoseError.transferStopped(command: "program", bytesDone: done, of: total, reason: error.description)
            }
            sent += UInt64(length)
            progress?(sent, total)
        }
        return sent
    }

    /// Reads `sectors` sectors into `sink`, in the chunks they arrive.
    public func read(lun: Int, startSector: String, sectors: UInt64, sectorSize: Int,
                     into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink? = nil) throws {
        let element = FirehoseElement("read", Self.sectorAttributes(sectorSize: sectorSize, sectors: sectors, lun: lun, start: startSector))
        let setup = try exchange(element, milliseconds: timeouts.setupMilliseconds)
        guard setup.rawMode else { throw FirehoseError.missingField(command: "read", field: "rawmode=\"true\" in the ACK") }
        let total = sectors * UInt64(sectorSize)
        var received: UInt64 = 0
        while received < total {
            let wanted = Int(min(total - received, UInt64(max(payloadSize, 1 << 20))))
            var chunk = splitter.takeRaw(upTo: wanted)
            if chunk.isEmpty {
                do {
                    chunk = try transport.read(maxLength: wanted, deadline: .after(milliseconds: timeouts.chunkMilliseconds))[...]
                } catch {
                    throw FirehoseError.transferStopped(command: "read", bytesDone: received, of: total, reason: error.description)
                }
            }
            try sink(chunk)
            received += UInt64(chunk.count)
            progress?(received, total)
        }
        _ = try awaitResponse(to: "read", milliseconds: timeouts.finalMilliseconds)
    }
}
