import TermflashCore
import TermflashProtocols

/// HDLC-framed traffic (Qualcomm DIAG, DMSS DLOAD, Streaming DLOAD): one message per frame
/// with its first byte (the command code) and length, or the framing error.
public struct HDLCCaptureDecoder: CaptureDecoder {
    public static let protocolName = "hdlc"

    private var decoders: [DeviceDialogue.Direction: HDLCDecoder] = [:]

    public static func recognises(_ dialogue: DeviceDialogue) -> Bool {
        var decoder = HDLCDecoder()
        for step in dialogue.steps.prefix(4) {
            guard case let .bytes(bytes) = step.payload else { continue }
            decoder.feed(bytes)
            if (try? decoder.next()) != nil { return true }
        }
        return false
    }

    public init() {}

    public mutating func decode(_ bytes: [UInt8], direction: DeviceDialogue.Direction, time: Double, record: Int) -> [DecodedMessage] {
        var decoder = decoders[direction] ?? HDLCDecoder()
        decoder.feed(bytes)
        var messages: [DecodedMessage] = []
        while true {
            do {
                guard let frame = try decoder.next() else { break }
                var fields: [DecodedMessage.Field] = [.init("cmd", "0x" + byteHex(frame[0])), .init("length", String(frame.count))]
                if frame.count > 1 { fields.append(.init("payload", hexDump(Array(frame.dropFirst()), limit: 16).replacingSpaces())) }
                messages.append(DecodedMessage(time: time, direction: direction, protocol: Self.protocolName, name: "FRAME",
                                               fields: fields, record: record))
            } catch {
                messages.append(DecodedMessage(time: time, direction: direction, protocol: Self.protocolName,
                                               name: "BAD-FRAME", fields: [.init("error", error.description)], record: record))
            }
        }
        decoders[direction] = decoder
        return messages
    }
}
