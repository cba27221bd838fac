import TermflashCore
import TermflashProtocols

/// U-Boot serial console sessions: the lines the host sends, the lines the console prints
/// (failures marked `result=error`), and inside `loadx`/`loady` every XMODEM/YMODEM block
/// (number, length, check), the YMODEM header (file name and size) and the receiver's
/// `C`, ACK, NAK and CAN, each ACK or NAK naming what it answers. A block recorded as a
/// hash (`--record-payloads hash`) is listed with its length and an inferred number.
public struct UBootCaptureDecoder: CaptureDecoder {
    public static let protocolName = "uboot"

    /// Text that only a U-Boot console (or a host driving one) sends.
    private static let markers = ["U-Boot", "Hit any key to stop autoboot", "## Ready for binary", "loadx", "loady", "crc32 "]

    public static func recognises(_ dialogue: DeviceDialogue) -> Bool {
        var text: [UInt8] = []
        for step in dialogue.steps.prefix(200) {
            guard case let .bytes(bytes) = step.payload else { continue }
            text += bytes
            if text.count > 16384 { break }
        }
        let string = String(decoding: text, as: UTF8.self)
        return markers.contains { string.contains($0) }
    }

    private var hostLine: [UInt8] = []
    private var consoleLine: [UInt8] = []
    private var transfer: UBootTransferDecoder?

    public init() {}

    public mutating func decode(_ bytes: [UInt8], direction: DeviceDialogue.Direction, time: Double, record: Int) -> [DecodedMessage] {
        var messages: [DecodedMessage] = []
        let emitAs = { (direction: DeviceDialogue.Direction, name: String, fields: [DecodedMessage.Field]) in
            messages.append(DecodedMessage(time: time, direction: direction, protocol: Self.protocolName, name: name,
                                           fields: fields, record: record))
        }
        let emit = { (name: String, fields: [DecodedMessage.Field]) in emitAs(direction, name, fields) }
        if direction == .hostToDevice {
            if transfer != nil {
                transfer!.hostBytes(bytes, emit: emit)
            } else {
                let waiting = Self.printable(consoleLine)
                if Self.looksLikePrompt(waiting) {  // other unfinished text waits for its line end
                    consoleLine.removeAll()
                    emitAs(.deviceToHost, waiting, [.init("prompt", "yes")])
                }
                hostText(bytes, emit: emit)
            }
            return messages
        }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if transfer != nil {
                index = transfer!.deviceBytes(bytes[index...], emit: emit)
                if transfer!.isOver { transfer = nil }
            } else {
                index = consoleText(bytes[index...], emit: emit)
            }
        }
        return messages
    }

    /// A block kept as its hash only: a data block whose number follows the last one.
    public mutating func decodeHashed(length: Int, sha256: [UInt8], direction: DeviceDialogue.Direction, time: Double,
                                      record: Int) -> [DecodedMessage]? {
        guard direction == .hostToDevice, transfer != nil else { return nil }
        var messages: [DecodedMessage] = []
        transfer!.hashedBlock(length: length, sha256: sha256) { name, fields in
            messages.append(DecodedMessage(time: time, direction: direction, protocol: Self.protocolName, name: name,
                                           fields: fields, record: record))
        }
        return messages
    }

    // MARK: Console text

    /// The host's lines; an empty line (the autoboot interrupt, a resync) is `ENTER`.
    private mutating func hostText(_ bytes: [UInt8], emit: (String, [DecodedMessage.Field]) -> Void) {
        for byte in bytes {
            guard byte == 0x0A || byte == 0x0D else { hostLine.append(byte); continue }
            let line = Self.printable(hostLine)
            hostLine.removeAll()
            emit(line.isEmpty ? "ENTER" : line, [])
        }
    }

    /// The console's lines up to a `## Ready for binary` line, which starts a transfer;
    /// returns where the unread bytes start.
    private mutating func consoleText(_ bytes: ArraySlice<UInt8>, emit: (String, [DecodedMessage.Field]) -> Void) -> Int {
        for index in bytes.indices {
            let byte = bytes[index]
            guard byte == 0x0A || byte == 0x0D else { consoleLine.append(byte); continue }
            let line = Self.printable(consoleLine)
            consoleLine.removeAll()
            guard !line.isEmpty else { continue }
            emit(line, UBootConsole.isFailure(line) ? [.init("result", "error")] : [])
            if line.contains("## Ready for binary") {
                transfer = UBootTransferDecoder(ymodem: line.contains("(ymodem)"))
                return index + 1
            }
        }
        return bytes.endIndex
    }

    /// `=>`, `ath>`, `IPQ40xx#`, `(IPQ40xx) #`: short, ending in `>` or `#`.
    static func looksLikePrompt(_ text: String) -> Bool {
        text.count <= 24 && (text.hasSuffix(">") || text.hasSuffix("#"))
    }

    /// Text without control characters (the countdown's backspaces), trimmed.
    static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.filter { $0 >= 0x20 && $0 != 0x7F }, as: UTF8.self).trimmingWhitespace()
    }
}
