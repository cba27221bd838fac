import TermflashCore
import TermflashProtocols

/// HDLC-framed Qualcomm traffic, decoded by protocol: DIAG (diagnostic mode), DMSS DLOAD
/// (after DIAG 0x3A) and Streaming DLOAD (after a programmer's GO, or a hello with the
/// protocol's magic). The decoder follows the unit from one to the next as the dialogue
/// does; a damaged frame is named with its framing error.
public struct HDLCCaptureDecoder: CaptureDecoder {
    public static let protocolName = "hdlc"

    /// The protocol the unit speaks at this point of the dialogue.
    enum Family: String { case diag, dload, streaming = "streaming-dload" }

    private var decoders: [DeviceDialogue.Direction: HDLCDecoder] = [:]
    private var family: Family?
    private var goSent = false

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
                let (name, protocolName, fields) = describe(frame, direction: direction)
                messages.append(DecodedMessage(time: time, direction: direction, protocol: protocolName, name: name,
                                               fields: fields, record: record))
            } catch {
                messages.append(DecodedMessage(time: time, direction: direction, protocol: Self.protocolName,
                                               name: "BAD-FRAME", fields: [.init("error", error.description)], record: record))
            }
        }
        decoders[direction] = decoder
        return messages
    }

    private mutating func describe(_ frame: [UInt8], direction: DeviceDialogue.Direction) -> (String, String, [DecodedMessage.Field]) {
        let current = family ?? Self.guessFamily(frame)
        family = current
        var fields: [DecodedMessage.Field] = [.init("cmd", "0x" + byteHex(frame[0])), .init("length", String(frame.count))]
        let name: String
        switch current {
        case .diag: name = describeDIAG(frame, direction: direction, fields: &fields)
        case .dload: name = describeDLoad(frame, direction: direction, fields: &fields)
        case .streaming: name = describeStreaming(frame, fields: &fields)
        }
        return (name, current.rawValue, fields)
    }

    /// The first frame's protocol: a Streaming DLOAD hello, a DLOAD NOP / parameter request /
    /// WRITE32, else DIAG.
    static func guessFamily(_ frame: [UInt8]) -> Family {
        if (try? StreamingDLoadPacket.parse(frame)).map({ if case .hello = $0 { return true } else if case .helloReply = $0 { return true }; return false }) == true {
            return .streaming
        }
        switch frame[0] {
        case DLoadPacket.Code.nop where frame.count == 1, DLoadPacket.Code.parameterRequest where frame.count == 1: return .dload
        case DLoadPacket.Code.write32: return (try? DLoadPacket.parse(frame)) != nil ? .dload : .diag
        default: return .diag
        }
    }

    private mutating func describeDIAG(_ frame: [UInt8], direction: DeviceDialogue.Direction, fields: inout [DecodedMessage.Field]) -> String {
        if direction == .hostToDevice {
            guard let request = DIAGRequest.parse(frame) else { return "DIAG-0x" + byteHex(frame[0]) }
            switch request {
            case let .nvRead(item), let .nvWrite(item, _): fields.append(.init("item", String(item)))
            case let .indexedNVRead(item, index): fields += [.init("item", String(item)), .init("index", String(index))]
            case .spc: fields.append(.init("code", "<hidden>"))
            default: break
            }
            return request.name
        }
        guard let response = try? DIAGResponse.parse(frame) else { return "REPLY-0x" + byteHex(frame[0]) }
        switch response {
        case let .versionInfo(info): fields += [.init("release", "\(info.releaseDate) \(info.releaseTime)"), .init("dir", info.versionDirectory)]
        case let .extendedBuildID(build): fields += [.init("build", build.buildID), .init("hw", String(format: "0x%08x", build.msmHardwareVersion))]
        case let .diagVersion(version): fields.append(.init("version", String(version)))
        case let .nvItem(reply):
            fields += [.init("item", String(reply.item)), .init("status", reply.status.map { "\($0)" } ?? String(reply.statusCode))]
        case let .spc(accepted): fields.append(.init("accepted", String(accepted)))
        case let .error(reply): fields.append(.init("error", reply.kind.meaning.replacingOccurrences(of: " ", with: "_")))
            return "ERROR"
        case .switchAcknowledged: family = frame[0] == DIAGRequest.Code.download ? .dload : nil
            return frame[0] == DIAGRequest.Code.download ? "DLOAD-ACK" : "EDL-ACK"
        }
        return (DIAGRequest.parse(frame)?.name ?? "REPLY") + "-REPLY"
    }

    private mutating func describeDLoad(_ frame: [UInt8], direction: DeviceDialogue.Direction, fields: inout [DecodedMessage.Field]) -> String {
        guard let packet = try? DLoadPacket.parse(frame) else { return "DLOAD-0x" + byteHex(frame[0]) }
        switch packet {
        case let .write32(address, data), let .write(address, data):
            fields += [.init("addr", String(format: "0x%08x", address)), .init("bytes", String(data.count))]
        case let .go(address):
            fields.append(.init("addr", String(format: "0x%08x", address)))
            goSent = true
        case let .nak(reason):
            fields += [.init("reason", String(reason.code)), .init("meaning", reason.meaning.replacingOccurrences(of: " ", with: "_"))]
            goSent = false
        case .ack where goSent && direction == .deviceToHost:
            family = .streaming
            goSent = false
        case let .parameters(parameters): fields.append(.init("max-write", String(parameters.maxWriteSize)))
        default: break
        }
        return packet.name
    }

    private mutating func describeStreaming(_ frame: [UInt8], fields: inout [DecodedMessage.Field]) -> String {
        guard let packet = try? StreamingDLoadPacket.parse(frame) else { return StreamingDLoadPacket.name(code: frame[0]) }
        switch packet {
        case let .helloReply(reply): fields += [.init("window", String(reply.windowSize)), .init("block", String(reply.maxPreferredBlockSize))]
        case let .streamWrite(address, data): fields += [.init("addr", String(format: "0x%08x", address)), .init("bytes", String(data.count))]
        case let .streamWriteReply(address): fields.append(.init("addr", String(format: "0x%08x", address)))
        case let .openMultiImage(type, payload):
            fields.append(.init("type", "0x" + byteHex(type)))
            if !payload.isEmpty { fields.append(.init("name", String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self))) }
        case let .openMultiImageReply(status), let .partitionTableReply(status): fields.append(.init("status", String(status)))
        case let .partitionTable(override, table): fields += [.init("override", String(override)), .init("bytes", String(table.count))]
        case let .error(code, text): fields += [.init("error", String(code.rawValue)), .init("meaning", code.meaning.replacingOccurrences(of: " ", with: "_"))]
            if !text.isEmpty { fields.append(.init("text", text.replacingOccurrences(of: " ", with: "_"))) }
        case let .log(text): fields.append(.init("text", text.replacingOccurrences(of: " ", with: "_")))
        case .resetReply: family = .diag
        default: break
        }
        return packet.name
    }
}
