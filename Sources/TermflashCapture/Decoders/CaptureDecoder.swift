import Foundation
import TermflashCore

/// One protocol message found in a capture, as `termflash capture show` prints it.
public struct DecodedMessage: Sendable, Encodable, Equatable {
    /// Seconds since the start of the capture.
    public var time: Double
    /// `OUT` (host to device) or `IN`.
    public var direction: DeviceDialogue.Direction
    /// The decoder that recognised it (`at`, `hdlc`, `sahara`…).
    public var `protocol`: String
    /// The message name (`HELLO`, `AT+CGMR`, `FRAME`…).
    public var name: String
    /// Key fields in a stable order.
    public var fields: [Field]
    /// The capture record or script line it came from.
    public var record: Int

    /// A key and its printed value.
    public struct Field: Sendable, Encodable, Equatable {
        public var key: String
        public var value: String

        /// A field.
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    /// A message.
    public init(time: Double, direction: DeviceDialogue.Direction, protocol: String, name: String,
                fields: [Field] = [], record: Int) {
        self.time = time
        self.direction = direction
        self.protocol = `protocol`
        self.name = name
        self.fields = fields
        self.record = record
    }

    /// `0.001250 OUT at AT+CGMR` / `0.002000 IN hdlc FRAME length=4 cmd=0x00`.
    public var line: String {
        let seconds = String(format: "%.6f", time)
        let tail = fields.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(seconds) \(direction.rawValue) \(`protocol`) \(name)" + (tail.isEmpty ? "" : " " + tail)
    }
}

/// Turns the bytes of one direction of a dialogue into messages. Sans-I/O: bytes arrive
/// in the chunks they were recorded in; a decoder keeps partial messages between chunks.
public protocol CaptureDecoder {
    /// The name used with `--protocol` and printed in each line.
    static var protocolName: String { get }

    /// Whether the opening of a dialogue looks like this protocol (for `--protocol auto`).
    static func recognises(_ dialogue: DeviceDialogue) -> Bool

    /// A decoder with empty buffers.
    init()

    /// The messages completed by `bytes`, sent in `direction` at `time` from `record`.
    mutating func decode(_ bytes: [UInt8], direction: DeviceDialogue.Direction, time: Double, record: Int) -> [DecodedMessage]

    /// The messages for a payload recorded as its length and SHA-256 only; nil lists it as
    /// a `<hashed payload>`.
    mutating func decodeHashed(length: Int, sha256: [UInt8], direction: DeviceDialogue.Direction, time: Double,
                               record: Int) -> [DecodedMessage]?
}

extension CaptureDecoder {
    public mutating func decodeHashed(length: Int, sha256: [UInt8], direction: DeviceDialogue.Direction, time: Double,
                                      record: Int) -> [DecodedMessage]? {
        nil
    }
}

/// Every decoder `capture show` knows, most specific first (the order `auto` tries them).
/// Protocol decoders are added here as each protocol lands.
public enum CaptureDecoders {
    /// The registered decoder types.
    public static let all: [any CaptureDecoder.Type] = [SaharaCaptureDecoder.self, FirehoseCaptureDecoder.self, HDLCCaptureDecoder.self, UBootCaptureDecoder.self, ATCaptureDecoder.self, RawCaptureDecoder.self]

    /// The decoder named `name`, or `nil`.
    public static func named(_ name: String) -> (any CaptureDecoder.Type)? {
        all.first { $0.protocolName == name }
    }

    /// The first decoder that recognises the dialogue (raw at worst).
    public static func detect(_ dialogue: DeviceDialogue) -> any CaptureDecoder.Type {
        all.first { $0.recognises(dialogue) } ?? RawCaptureDecoder.self
    }

    /// Decodes a whole dialogue; hashed payloads are listed as such.
    public static func decode(_ dialogue: DeviceDialogue, with type: any CaptureDecoder.Type,
                              relativeTimes: Bool) -> [DecodedMessage] {
        var decoder = type.init()
        var clock: UInt64 = 0
        var messages: [DecodedMessage] = []
        for step in dialogue.steps {
            clock = relativeTimes ? clock + step.timestampMicroseconds : step.timestampMicroseconds
            let time = Double(clock) / 1_000_000
            switch step.payload {
            case let .bytes(bytes):
                messages += decoder.decode(Array(bytes), direction: step.direction, time: time, record: step.record)
            case let .hashed(length, sha256):
                if let decoded = decoder.decodeHashed(length: length, sha256: sha256, direction: step.direction, time: time,
                                                      record: step.record) {
                    messages += decoded
                    continue
                }
                messages.append(DecodedMessage(
                    time: time, direction: step.direction, protocol: type.protocolName, name: "<hashed payload>",
                    fields: [.init("length", String(length)), .init("sha256", sha256.map(byteHex).joined())],
                    record: step.record))
            }
        }
        return messages
    }
}
