import TermflashCore

/// Why an HDLC exchange over a transport failed.
public enum HDLCLinkError: Error, Equatable, CustomStringConvertible {
    /// A frame arrived damaged (bad CRC, too short, oversized).
    case framing(HDLCError, waitingFor: String)
    /// The transport failed or timed out.
    case transport(TransportError, waitingFor: String)

    public var description: String {
        switch self {
        case let .framing(error, waiting): return "\(error) while waiting for \(waiting)"
        case let .transport(error, waiting): return "\(error) while waiting for \(waiting)"
        }
    }
}

/// HDLC frames over a transport: the one place DIAG, DLOAD and Streaming DLOAD sessions
/// (and their simulated devices) turn payloads into bytes on the wire and back.
public final class HDLCLink {
    /// The transport the frames travel on.
    public let transport: Transport
    /// Whether outgoing frames start with a flag (DLOAD hosts do; DIAG hosts usually not).
    public var leadingFlag: Bool
    /// How long one reply may take.
    public var timeoutMilliseconds: Int
    private var decoder = HDLCDecoder()
    private var pending: [[UInt8]] = []

    /// A link over `transport`.
    public init(transport: Transport, leadingFlag: Bool = false, timeoutMilliseconds: Int = 5_000) {
        self.transport = transport
        self.leadingFlag = leadingFlag
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Frames and sends one payload.
    public func send(_ payload: [UInt8], what: String = "a reply") throws(HDLCLinkError) {
        do {
            try transport.write(HDLCEncoder.frame(payload, leadingFlag: leadingFlag), deadline: .after(milliseconds: timeoutMilliseconds))
        } catch {
            throw .transport(error, waitingFor: "the device to take " + what)
        }
    }

    /// Sends bytes already framed (several frames in one transport write).
    public func sendFramed(_ frames: [UInt8], what: String) throws(HDLCLinkError) {
        do {
            try transport.write(frames, deadline: .after(milliseconds: timeoutMilliseconds))
        } catch {
            throw .transport(error, waitingFor: "the device to take " + what)
        }
    }

    /// The next intact frame's payload; a damaged frame throws (and is dropped).
    public func receive(waitingFor what: String, deadline: Deadline? = nil) throws(HDLCLinkError) -> [UInt8] {
        let deadline = deadline ?? .after(milliseconds: timeoutMilliseconds)
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            do {
                if let frame = try decoder.next() { return frame }
            } catch {
                throw .framing(error, waitingFor: what)
            }
            do {
                decoder.feed(try transport.read(maxLength: 64 * 1024, deadline: deadline))
            } catch {
                throw .transport(error, waitingFor: what)
            }
        }
    }

    /// Sends `payload` and returns the first reply `accept` takes, skipping unsolicited
    /// frames (DIAG log and message packets) up to `skipLimit` of them.
    public func exchange(_ payload: [UInt8], what: String, skipLimit: Int = 64,
                         accept: ([UInt8]) -> Bool) throws(HDLCLinkError) -> [UInt8] {
        try send(payload, what: what)
        var skipped = 0
        while true {
            let reply = try receive(waitingFor: "the reply to \(what)")
            if accept(reply) || skipped >= skipLimit { return reply }
            skipped += 1
        }
    }
}
