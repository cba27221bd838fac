import TermflashCore
import TermflashProtocols

/// Sahara traffic (the boot ROM pulling a programmer, or command mode): one message per
/// packet with its fields, one `IMAGE-DATA` per range the host sends, and once DONE_RESP says
/// the transfer is complete, everything after it decoded as Firehose.
public struct SaharaCaptureDecoder: CaptureDecoder {
    public static let protocolName = "sahara"

    private var decoders: [DeviceDialogue.Direction: SaharaDecoder] = [:]
    private var rawExpected: [DeviceDialogue.Direction: (length: UInt64, offset: UInt64, seen: UInt64)] = [:]
    private var firehose: FirehoseCaptureDecoder?

    public static func recognises(_ dialogue: DeviceDialogue) -> Bool {
        guard let first = dialogue.steps.first, case let .bytes(bytes) = first.payload, bytes.count >= 8 else { return false }
        let head = Array(bytes.prefix(8))
        return head == [1, 0, 0, 0, 0x30, 0, 0, 0] || head == [2, 0, 0, 0, 0x30, 0, 0, 0]
    }

    public init() {}

    public mutating func decode(_ bytes: [UInt8], direction: DeviceDialogue.Direction, time: Double, record: Int) -> [DecodedMessage] {
        if firehose != nil { return firehose!.decode(bytes, direction: direction, time: time, record: record) }
        var messages: [DecodedMessage] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            if let raw = rawExpected[direction] {
                let take = Int(min(UInt64(rest.count), raw.length - raw.seen))
                rest = rest.dropFirst(take)
                let seen = raw.seen + UInt64(take)
                if seen == raw.length {
                    rawExpected[direction] = nil
                    messages.append(message(time, direction, record, name: direction == .hostToDevice ? "IMAGE-DATA" : "EXECUTE-DATA",
                                            [.init("offset", String(raw.offset)), .init("length", String(raw.length))]))
                } else {
                    rawExpected[direction] = (raw.length, raw.offset, seen)
                }
                continue
            }
            if firehose != nil { return messages + firehose!.decode(Array(rest), direction: direction, time: time, record: record) }
            var decoder = decoders[direction] ?? SaharaDecoder()
            decoder.feed(Array(rest))
            rest = []
            do {
                while let packet = try decoder.next() {
                    messages.append(message(time, direction, record, name: packet.name, fields(of: packet)))
                    expectRaw(after: packet)
                    if rawExpected[direction.opposite] != nil || rawExpected[direction] != nil || firehose != nil {
                        rest = decoder.takeRaw(decoder.buffered)?[...] ?? []
                        break
                    }
                }
            } catch {
                messages.append(message(time, direction, record, name: "BAD-PACKET", [.init("error", "\(error)")]))
            }
            decoders[direction] = decoder
        }
        return messages
    }

    private mutating func expectRaw(after packet: SaharaPacket) {
        switch packet {
        case let .readData(_, offset, length): rawExpected[.hostToDevice] = (UInt64(length), UInt64(offset), 0)
        case let .readData64(_, offset, length): rawExpected[.hostToDevice] = (length, offset, 0)
        case let .executeResponse(_, length) where length > 0: pendingExecute = UInt64(length)
        case .executeData: if let length = pendingExecute { rawExpected[.deviceToHost] = (length, 0, 0); pendingExecute = nil }
        case .doneResponse(1): firehose = FirehoseCaptureDecoder()
        default: break
        }
    }

    private var pendingExecute: UInt64?

    private func fields(of packet: SaharaPacket) -> [DecodedMessage.Field] {
        switch packet {
        case let .hello(version, compatible, maxLength, mode), let .helloResponse(version, compatible, maxLength, mode):
            let third = packet.command == 1 ? "max_command_length" : "status"
            return [.init("version", String(version)), .init("compatible", String(compatible)), .init(third, String(maxLength)),
                    .init("mode", String(mode.rawValue))]
        case let .readData(image, offset, length):
            return [.init("image", String(image)), .init("offset", String(offset)), .init("length", String(length))]
        case let .readData64(image, offset, length):
            return [.init("image", String(image)), .init("offset", String(offset)), .init("length", String(length))]
        case let .endOfImage(image, status):
            return [.init("image", String(image)), .init("status", "0x" + String(status, radix: 16)),
                    .init("reason", SaharaStatus(rawValue: status).reason.replacingOccurrences(of: " ", with: "_"))]
        case let .doneResponse(status): return [.init("status", String(status))]
        case let .memoryDebug(address, length): return [.init("table", "0x" + String(address, radix: 16)), .init("length", String(length))]
        case let .memoryDebug64(address, length): return [.init("table", "0x" + String(address, radix: 16)), .init("length", String(length))]
        case let .switchMode(mode): return [.init("mode", String(mode.rawValue))]
        case let .execute(command), let .executeData(command): return [.init("client_command", String(command.rawValue))]
        case let .executeResponse(command, length): return [.init("client_command", String(command.rawValue)), .init("length", String(length))]
        default: return []
        }
    }

    private func message(_ time: Double, _ direction: DeviceDialogue.Direction, _ record: Int, name: String,
                         _ fields: [DecodedMessage.Field]) -> DecodedMessage {
        DecodedMessage(time: time, direction: direction, protocol: Self.protocolName, name: name, fields: fields, record: record)
    }
}

extension DeviceDialogue.Direction {
    var opposite: DeviceDialogue.Direction { self == .hostToDevice ? .deviceToHost : .hostToDevice }
}
