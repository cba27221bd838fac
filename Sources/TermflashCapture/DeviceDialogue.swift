import TermflashCore

/// The data a device and its host exchanged, in order: what replay serves and checks.
public struct DeviceDialogue: Sendable {
    /// Who sent a step's bytes.
    public enum Direction: String, Sendable, Encodable {
        case hostToDevice = "OUT", deviceToHost = "IN"
    }

    /// A payload kept whole, or only its length and SHA-256 (`--record-payloads hash`).
    public enum Payload: Sendable {
        case bytes(ArraySlice<UInt8>)
        case hashed(length: Int, sha256: [UInt8])

        /// The payload's length in bytes.
        public var count: Int {
            switch self {
            case let .bytes(bytes): return bytes.count
            case let .hashed(length, _): return length
            }
        }
    }

    /// One transfer or one read/write block.
    public struct Step: Sendable {
        public var direction: Direction
        public var payload: Payload
        /// The record number (capture) or line number (script) it came from.
        public var record: Int
        /// Microseconds since the start of the capture (captures) or since the previous step (scripts).
        public var timestampMicroseconds: UInt64
        /// The endpoint for USB steps.
        public var endpoint: UInt8?
    }

    /// The capture or script it was read from.
    public var source: String
    /// The steps in order.
    public var steps: [Step]

    /// A dialogue of the given steps.
    public init(source: String, steps: [Step]) {
        self.source = source
        self.steps = steps
    }
}

extension DeviceDialogue {
    /// The bulk transfers of one device: OUT data from submissions (including zero-length
    /// packets), IN data from successful completions. `device` narrows a capture that saw
    /// several devices; with `nil` the capture must hold bulk traffic of one device only.
    public init(_ capture: USBCapture, device: (bus: UInt16, device: UInt8)? = nil) throws(CaptureError) {
        let bulk = capture.events.filter { $0.packet.transferType == .bulk }
        let chosen = try Self.chooseDevice(bulk, requested: device, name: capture.name)
        var steps: [Step] = []
        let start = bulk.first?.timestampMicroseconds ?? 0
        for event in bulk where event.packet.bus == chosen.bus && event.packet.device == chosen.device {
            guard let step = try Self.step(event, name: capture.name, start: start) else { continue }
            steps.append(step)
        }
        self.init(source: capture.name, steps: steps)
    }

    private static func chooseDevice(_ events: [USBCapture.Event], requested: (bus: UInt16, device: UInt8)?,
                                     name: String) throws(CaptureError) -> (bus: UInt16, device: UInt8) {
        if let requested { return requested }
        var seen: [String] = []
        for event in events where !seen.contains("\(event.packet.bus):\(event.packet.device)") {
            seen.append("\(event.packet.bus):\(event.packet.device)")
        }
        guard seen.count <= 1, let first = events.first else {
            if seen.isEmpty { return (0, 0) }
            throw .badUSBRecord(file: name, record: events[0].record, offset: 0,
                                reason: "bulk traffic of several devices (\(seen.joined(separator: ", "))); choose one with --device BUS:DEV or VID:PID")
        }
        return (first.packet.bus, first.packet.device)
    }

    private static func step(_ event: USBCapture.Event, name: String, start: UInt64) throws(CaptureError) -> Step? {
        let packet = event.packet
        let isIn = packet.endpoint & 0x80 != 0
        let time = event.timestampMicroseconds &- start
        if isIn {
            guard packet.kind == .complete, packet.status == 0, !packet.data.isEmpty else { return nil }
            return Step(direction: .deviceToHost, payload: .bytes(packet.data[...]), record: event.record,
                        timestampMicroseconds: time, endpoint: packet.endpoint)
        }
        guard packet.kind == .submit else { return nil }
        if let hashed = PayloadHash(comment: event.comment), Int(packet.length) == hashed.length {
            return Step(direction: .hostToDevice, payload: .hashed(length: hashed.length, sha256: hashed.sha256),
                        record: event.record, timestampMicroseconds: time, endpoint: packet.endpoint)
        }
        guard packet.data.count == Int(packet.length) else {
            throw .badUSBRecord(file: name, record: event.record, offset: 0,
                                reason: "OUT payload captured \(packet.data.count) of \(packet.length) bytes; replay needs whole payloads (capture with a larger snap length)")
        }
        return Step(direction: .hostToDevice, payload: .bytes(packet.data[...]), record: event.record,
                    timestampMicroseconds: time, endpoint: packet.endpoint)
    }
}

/// The `termflash-sha256=<hex>;length=<n>` note that stands for a payload left out of a capture.
struct PayloadHash: Equatable {
    var length: Int
    var sha256: [UInt8]

    init(length: Int, sha256: [UInt8]) {
        self.length = length
        self.sha256 = sha256
    }

    init?(comment: String?) {
        guard let comment, comment.hasPrefix("termflash-sha256=") else { return nil }
        let fields = comment.dropFirst("termflash-sha256=".count).split(separator: ";")
        guard fields.count == 2, fields[1].hasPrefix("length="), let length = Int(fields[1].dropFirst(7)),
              let digest = hexBytes(fields[0]), digest.count == 32 else { return nil }
        self.init(length: length, sha256: digest)
    }

    var comment: String {
        "termflash-sha256=\(sha256.map(byteHex).joined());length=\(length)"
    }
}

/// Bytes from hex digits; `nil` if any character is not hex or the count is odd.
func hexBytes<S: StringProtocol>(_ text: S) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
        index += 2
    }
    return bytes
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case 0x30...0x39: return digit - 0x30
    case 0x61...0x66: return digit - 0x61 + 10
    case 0x41...0x46: return digit - 0x41 + 10
    default: return nil
    }
}
