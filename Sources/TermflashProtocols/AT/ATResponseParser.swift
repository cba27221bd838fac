import TermflashCore

/// The answer to one AT command: information lines and the final result code (ITU-T V.250 §5.7,
/// 3GPP TS 27.007 §9.2 for `+CME ERROR`).
public struct ATResponse: Sendable, Equatable, Encodable {
    /// Lines before the final result, echo removed.
    public var lines: [String]
    /// `OK`, `ERROR`, `+CME ERROR: 10`, `NO CARRIER`…
    public var final: String

    /// A response.
    public init(lines: [String], final: String) {
        self.lines = lines
        self.final = final
    }

    /// Whether the command succeeded.
    public var isOK: Bool { final == "OK" || final == "CONNECT" }
}

/// Splits a modem's byte stream into lines and stops at a final result code. Sans-I/O:
/// feed what the port delivered, then ask for the response; `nil` means "need more bytes".
public struct ATResponseParser {
    private static let finals: Set<String> = ["OK", "ERROR", "NO CARRIER", "NO DIALTONE", "BUSY", "NO ANSWER", "CONNECT"]
    private let echo: String
    private var buffer: [UInt8] = []
    private var lines: [String] = []

    /// A parser for the reply to `command` (its echo, if the modem echoes, is dropped).
    public init(command: String) {
        echo = command
    }

    /// Appends bytes read from the port.
    public mutating func feed(_ bytes: [UInt8]) {
        buffer += bytes
    }

    /// The response once its final result code has arrived.
    public mutating func response() -> ATResponse? {
        while let end = buffer.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) {
            let line = String(decoding: buffer[..<end], as: UTF8.self).trimmingWhitespace()
            buffer.removeSubrange(...end)
            if line.isEmpty || line == echo { continue }
            if Self.isFinal(line) {
                defer { lines = [] }
                return ATResponse(lines: lines, final: line)
            }
            lines.append(line)
        }
        return nil
    }

    static func isFinal(_ line: String) -> Bool {
        finals.contains(line) || line.hasPrefix("+CME ERROR") || line.hasPrefix("+CMS ERROR") || line.hasPrefix("CONNECT ")
    }
}
