import Foundation
import TermflashCore

/// umockdev's tty script format (`umockdev-record --script`, replayed by `umockdev-run -s`):
/// lines `r <ms> <data>` (the device sends), `w <ms> <data>` (the program writes), `f`, `Q`,
/// `#` comments. Bytes below 32 are written `^` + (b + 64), `^` itself as "^`", every other
/// byte verbatim (/usr/share/doc/umockdev/script-format.txt).
public enum UMockDevScript {
    /// The comment prefix that stands for a write left out by `--record-payloads hash`;
    /// such scripts replay through termflash, not through `umockdev-run`.
    static let hashedWritePrefix = "# termflash-hashed-write "

    /// Encodes one data block for a script line.
    public static func escape<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var line: [UInt8] = []
        for byte in bytes {
            if byte < 32 {
                line += [0x5E, byte + 64]
            } else if byte == 0x5E {
                line += [0x5E, 0x60]
            } else {
                line.append(byte)
            }
        }
        return line
    }

    /// Decodes a data block; `nil` for a dangling or invalid `^` escape.
    public static func unescape(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == 0x5E {
                let next = text.index(after: index)
                guard next < text.endIndex else { return nil }
                let code = text[next]
                if code == 0x60 {
                    bytes.append(0x5E)
                } else if (64..<96).contains(code) {
                    bytes.append(code - 64)
                } else {
                    return nil
                }
                index = text.index(after: next)
            } else {
                bytes.append(byte)
                index = text.index(after: index)
            }
        }
        return bytes
    }

    /// Reads a script file into a dialogue.
    public static func dialogue(contentsOf path: String) throws(CaptureError) -> DeviceDialogue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(file: path, reason: "cannot be read (missing or not permitted)")
        }
        return try dialogue(parsing: [UInt8](data), name: path)
    }

    /// Parses script text into a dialogue: `w` lines host → device, `r` lines device → host.
    public static func dialogue(parsing text: [UInt8], name: String) throws(CaptureError) -> DeviceDialogue {
        var steps: [DeviceDialogue.Step] = []
        var lineNumber = 0
        for line in text.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            if let step = try parseLine(line, number: lineNumber, name: name) { steps.append(step) }
            if line.first == UInt8(ascii: "Q") { break }
        }
        return DeviceDialogue(source: name, steps: steps)
    }

    private static func parseLine(_ line: ArraySlice<UInt8>, number: Int, name: String) throws(CaptureError) -> DeviceDialogue.Step? {
        if line.starts(with: hashedWritePrefix.utf8) { return try hashedWrite(line, number: number, name: name) }
        guard let operation = line.first else { return nil }
        switch operation {
        case UInt8(ascii: "#"), UInt8(ascii: "Q"), UInt8(ascii: "f"): return nil
        case UInt8(ascii: "r"), UInt8(ascii: "w"): break
        default:
            throw .badScriptLine(file: name, line: number, reason: "unknown operation '\(Character(UnicodeScalar(operation)))'; expected r, w, f, Q or #")
        }
        let fields = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count >= 2, fields[0].count == 1, let delay = UInt64(String(decoding: fields[1], as: UTF8.self)) else {
            throw .badScriptLine(file: name, line: number, reason: "expected '\(Character(UnicodeScalar(operation))) <milliseconds> <data>'")
        }
        guard let data = unescape(fields.count == 3 ? fields[2] : []) else {
            throw .badScriptLine(file: name, line: number, reason: "invalid '^' escape in the data")
        }
        return DeviceDialogue.Step(direction: operation == UInt8(ascii: "w") ? .hostToDevice : .deviceToHost,
                                   payload: .bytes(data[...]), record: number,
                                   timestampMicroseconds: delay * 1000, endpoint: nil)
    }

    private static func hashedWrite(_ line: ArraySlice<UInt8>, number: Int, name: String) throws(CaptureError) -> DeviceDialogue.Step {
        let text = String(decoding: line.dropFirst(hashedWritePrefix.utf8.count), as: UTF8.self)
        guard let hash = PayloadHash(comment: text) else {
            throw .badScriptLine(file: name, line: number, reason: "malformed hashed write; expected termflash-sha256=<64 hex>;length=<n>")
        }
        return DeviceDialogue.Step(direction: .hostToDevice, payload: .hashed(length: hash.length, sha256: hash.sha256),
                                   record: number, timestampMicroseconds: 0, endpoint: nil)
    }
}
