import TermflashCore

/// AT command dialogues: one message per command the host sends and per line the modem
/// answers (`OK`, `ERROR`, `+CME ERROR: 10`, information lines). Lines end in CR or LF.
public struct ATCaptureDecoder: CaptureDecoder {
    public static let protocolName = "at"

    private var partial: [DeviceDialogue.Direction: [UInt8]] = [:]

    public static func recognises(_ dialogue: DeviceDialogue) -> Bool {
        guard let first = dialogue.steps.first(where: { $0.direction == .hostToDevice }),
              case let .bytes(bytes) = first.payload, bytes.count >= 2 else { return false }
        let start = bytes.prefix(2).map { $0 | 0x20 }
        return start == [UInt8(ascii: "a"), UInt8(ascii: "t")]
    }

    public init() {}

    public mutating func decode(_ bytes: [UInt8], direction: DeviceDialogue.Direction, time: Double, record: Int) -> [DecodedMessage] {
        var buffer = partial[direction, default: []] + bytes
        var messages: [DecodedMessage] = []
        while let end = buffer.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) {
            let line = String(decoding: buffer[..<end], as: UTF8.self).trimmingWhitespace()
            buffer.removeSubrange(...end)
            guard !line.isEmpty else { continue }
            messages.append(DecodedMessage(time: time, direction: direction, protocol: Self.protocolName,
                                           name: line, fields: Self.fields(of: line), record: record))
        }
        partial[direction] = buffer
        return messages
    }

    /// `result=error code=10` for final result codes a script or factory report keys on.
    private static func fields(of line: String) -> [DecodedMessage.Field] {
        if line == "OK" { return [.init("result", "ok")] }
        if line == "ERROR" { return [.init("result", "error")] }
        for prefix in ["+CME ERROR:", "+CMS ERROR:"] where line.hasPrefix(prefix) {
            return [.init("result", "error"), .init("code", line.dropFirst(prefix.count).trimmingWhitespace())]
        }
        return []
    }
}
