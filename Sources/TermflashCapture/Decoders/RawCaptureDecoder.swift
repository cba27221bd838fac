import TermflashCore

/// One message per recorded block: its length and first bytes.
public struct RawCaptureDecoder: CaptureDecoder {
    public static let protocolName = "raw"

    public static func recognises(_ dialogue: DeviceDialogue) -> Bool { true }

    public init() {}

    public mutating func decode(_ bytes: [UInt8], direction: DeviceDialogue.Direction, time: Double, record: Int) -> [DecodedMessage] {
        let name = bytes.isEmpty ? "ZLP" : "DATA"
        return [DecodedMessage(time: time, direction: direction, protocol: Self.protocolName, name: name,
                               fields: [.init("length", String(bytes.count)), .init("bytes", hexDump(bytes, limit: 24).replacingSpaces())],
                               record: record)]
    }
}

extension String {
    /// The string with spaces replaced by dots, so a field value stays one word.
    func replacingSpaces() -> String {
        String(map { $0 == " " ? "." : $0 })
    }
}
