import TermflashCore
import TermflashProtocols

/// Firehose traffic: one message per XML element (`program …`, `response value=ACK rawmode=true`,
/// `log …`) and one `RAW` message per raw transfer that a rawmode ACK opens (program data to
/// the device, read data from it), sized from the command's sectors.
public struct FirehoseCaptureDecoder: CaptureDecoder {
    public static let protocolName = "firehose"

    private var splitters: [DeviceDialogue.Direction: FirehoseStreamSplitter] = [:]
    private var pendingRaw: [DeviceDialogue.Direction: UInt64] = [:]
    private var rawSeen: [DeviceDialogue.Direction: UInt64] = [:]
    private var lastCommand: FirehoseElement?

    public static func recognises(_ dialogue: DeviceDialogue) -> Bool {
        guard let first = dialogue.steps.first(where: { $0.direction == .hostToDevice }), case let .bytes(bytes) = first.payload else { return false }
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        return text.hasPrefix("<?xml") && text.contains("<data>")
    }

    public init() {}

    public mutating func decode(_ bytes: [UInt8], direction: DeviceDialogue.Direction, time: Double, record: Int) -> [DecodedMessage] {
        var messages: [DecodedMessage] = []
        var rest = bytes[...]
        while !rest.isEmpty {
            if let pending = pendingRaw[direction], pending > 0 {
                let take = Int(min(UInt64(rest.count), pending))
                rest = rest.dropFirst(take)
                pendingRaw[direction] = pending - UInt64(take)
                rawSeen[direction, default: 0] += UInt64(take)
                if pendingRaw[direction] == 0 {
                    messages.append(message(time, direction, record, name: "RAW", [.init("bytes", String(rawSeen[direction] ?? 0))]))
                    rawSeen[direction] = 0
                }
                continue
            }
            var splitter = splitters[direction] ?? FirehoseStreamSplitter()
            splitter.feed(Array(rest))
            rest = []
            messages += documents(&splitter, direction: direction, time: time, record: record, leftover: &rest)
            splitters[direction] = splitter
        }
        return messages
    }

    /// Whole documents from the splitter; bytes after a rawmode ACK are handed back as `leftover`.
    private mutating func documents(_ splitter: inout FirehoseStreamSplitter, direction: DeviceDialogue.Direction, time: Double,
                                    record: Int, leftover: inout ArraySlice<UInt8>) -> [DecodedMessage] {
        var messages: [DecodedMessage] = []
        while true {
            splitter.skipFiller()
            let document: [UInt8]
            do {
                guard let next = try splitter.nextDocument() else { return messages }
                document = next
            } catch {
                return messages + [message(time, direction, record, name: "BAD-XML", [.init("error", "\(error)")])]
            }
            guard let elements = try? FirehoseXML.elements(in: document) else {
                messages.append(message(time, direction, record, name: "BAD-XML", [.init("excerpt", String(decoding: document.prefix(40), as: UTF8.self))]))
                continue
            }
            for element in elements {
                messages.append(message(time, direction, record, name: element.name, element.attributes.map { .init($0.0, $0.1) }))
                note(element, direction: direction)
            }
            if pendingRaw.values.contains(where: { $0 > 0 }) {
                leftover = splitter.takeRaw(upTo: splitter.buffered)
                return messages
            }
        }
    }

    /// Remembers commands and opens raw transfers on rawmode ACKs.
    private mutating func note(_ element: FirehoseElement, direction: DeviceDialogue.Direction) {
        if direction == .hostToDevice {
            lastCommand = element
            return
        }
        guard element.name == "response", element["rawmode"]?.lowercased() == "true", let command = lastCommand,
              let sectors = command["num_partition_sectors"].flatMap(UInt64.init), let size = command["SECTOR_SIZE_IN_BYTES"].flatMap(UInt64.init) else { return }
        if command.name == "program" { pendingRaw[.hostToDevice] = sectors * size }
        if command.name == "read" { pendingRaw[.deviceToHost] = sectors * size }
    }

    private func message(_ time: Double, _ direction: DeviceDialogue.Direction, _ record: Int, name: String,
                         _ fields: [DecodedMessage.Field]) -> DecodedMessage {
        DecodedMessage(time: time, direction: direction, protocol: Self.protocolName, name: name, fields: fields, record: record)
    }
}
