import TermflashCore
import TermflashCrypto

/// A boot loader's serial console: interrupts autoboot, finds the prompt, runs commands
/// (checking their echo and their output for failures), uploads with XMODEM/YMODEM and
/// reads memory back with `md.b`.
public final class UBootConsole {
    /// How to reach and talk to the prompt.
    public struct Settings: Sendable {
        /// The prompt, e.g. `=> ` or `(IPQ40xx) # `; trailing spaces are optional.
        public var prompt: String
        /// Sent repeatedly until the prompt appears (`\n`, or a key string like `tpl`).
        public var interrupt: [UInt8]
        /// How long to wait for the prompt (the router may be powered on after termflash starts).
        public var attachTimeoutSeconds: Double
        /// How long one ordinary command may take.
        public var commandTimeoutSeconds: Double

        public init(prompt: String, interrupt: [UInt8] = Array("\n".utf8), attachTimeoutSeconds: Double = 60,
                    commandTimeoutSeconds: Double = 30) {
            self.prompt = prompt
            self.interrupt = interrupt.isEmpty ? Array("\n".utf8) : interrupt
            self.attachTimeoutSeconds = attachTimeoutSeconds
            self.commandTimeoutSeconds = commandTimeoutSeconds
        }
    }

    /// Lowercase fragments of output lines that mean a command failed.
    public static let failureMarkers = [
        "unknown command", "error", "bad block", "fail", "usage:", "invalid", "not found", "no such device",
        "abort", "incorrect", "not supported", "timeout", "timed out",
    ]

    public let transport: Transport
    public let settings: Settings
    /// Called with every command line before it is sent (verbose output, dry-run parity).
    public var onCommand: ((String) -> Void)?
    private var buffer: [UInt8] = []
    private let promptBytes: [UInt8]
    /// The probe's answer, once asked: `.some(nil)` means the build has no strong digest.
    private var probedDigest: UBootDigestCommand??

    /// A console on `transport`.
    public init(transport: Transport, settings: Settings) {
        self.transport = transport
        self.settings = settings
        promptBytes = Array(settings.prompt.trimmingWhitespace().utf8)
    }

    // MARK: Attaching

    /// Sends the interrupt until the prompt appears, then synchronises on a fresh prompt.
    /// Returns what the console printed before (boot banner, autoboot countdown).
    @discardableResult
    public func attach() throws(UBootError) -> String {
        let deadline = Deadline.after(seconds: settings.attachTimeoutSeconds)
        var seen: [UInt8] = []
        while !endsWithPrompt(seen) {
            if deadline.hasPassed {
                throw .noPrompt(prompt: settings.prompt, waitedSeconds: settings.attachTimeoutSeconds, lastOutput: lastLine(seen))
            }
            try write(settings.interrupt, during: "interrupting autoboot")
            seen += try readAvailable(for: 0.1, during: "waiting for the prompt")
        }
        _ = try readAvailable(for: 0.3, during: "draining the console")  // answers to extra interrupts
        buffer.removeAll()
        try write(Array("\n".utf8), during: "synchronising on the prompt")
        _ = try readUntilPrompt(command: "(empty line)", timeout: 5)
        return String(decoding: seen, as: UTF8.self)
    }

    // MARK: Commands

    /// Runs `command` and returns its output lines (echo and prompt removed). Throws when a
    /// line carries a failure marker (with `checkFailures`) or, with `expectOK`, when no
    /// line says `OK`.
    @discardableResult
    public func run(_ command: String, timeout: Double? = nil, checkFailures: Bool = true,
                    expectOK: Bool = false) throws(UBootError) -> [String] {
        try sendLine(command)
        let text = try readUntilPrompt(command: command, timeout: timeout ?? settings.commandTimeoutSeconds)
        let lines = try output(of: command, text: text)
        if checkFailures, let failure = lines.first(where: Self.isFailure) {
            throw .commandFailed(command: command, line: failure, output: lines)
        }
        if !checkFailures, let failure = lines.first(where: { $0.lowercased().contains("unknown command") || $0.hasPrefix("Usage:") }) {
            throw .commandFailed(command: command, line: failure, output: lines)
        }
        if expectOK, !lines.contains(where: { $0.contains("OK") }) {
            throw .unexpectedOutput(command: command, reason: "no 'OK' in the output", output: lines)
        }
        return lines
    }

    /// Sends a command without waiting for the prompt (`reset`, `boot`).
    public func send(_ command: String) throws(UBootError) {
        try sendLine(command)
    }

    /// `crc32 ADDRESS LENGTH` as the device computes it.
    public func crc32(address: UInt64, length: UInt64) throws(UBootError) -> UInt32 {
        let command = "crc32 \(hex(address)) \(hex(length))"
        let lines = try run(command)
        guard let line = lines.last(where: { $0.contains("==>") }),
              let value = UInt32(line.split(separator: ">").last.map { $0.trimmingWhitespace() } ?? "", radix: 16) else {
            throw .unexpectedOutput(command: command, reason: "no '==> checksum' line", output: lines)
        }
        return value
    }

    /// Checks that `length` bytes at `address` have the host's CRC-32 `expected`.
    public func verifyCRC32(address: UInt64, length: UInt64, expected: UInt32, what: String) throws(UBootError) {
        let actual = try crc32(address: address, length: length)
        guard actual == expected else { throw .crcMismatch(what: what, expected: expected, actual: actual) }
    }

    /// Runs `command` and returns its output lines without judging them (`help`, probes).
    public func query(_ command: String, timeout: Double? = nil) throws(UBootError) -> [String] {
        try sendLine(command)
        let text = try readUntilPrompt(command: command, timeout: timeout ?? settings.commandTimeoutSeconds)
        return try output(of: command, text: text)
    }

    // MARK: Strong digests

    /// The build's strong digest command, probed once per session: `help sha1sum`,
    /// `help md5sum`, `help hash` (a missing command answers `Unknown command`), and for
    /// `hash` a trial digest of 16 bytes at `scratchAddress` to learn which algorithm it
    /// has. Nil: the build has none, and `crc32` alone checks the data.
    public func digestCommand(scratchAddress: UInt64) throws(UBootError) -> UBootDigestCommand? {
        if let probedDigest { return probedDigest }
        let found = try probeDigestCommand(scratchAddress: scratchAddress)
        probedDigest = .some(found)
        return found
    }

    private func probeDigestCommand(scratchAddress: UInt64) throws(UBootError) -> UBootDigestCommand? {
        var helped: [String: Bool] = [:]
        for candidate in UBootDigestCommand.candidates {
            if helped[candidate.command] == nil {
                let lines = try query("help \(candidate.command)")
                helped[candidate.command] = lines.first?.hasPrefix(candidate.command + " ") == true
            }
            guard helped[candidate.command] == true else { continue }
            guard candidate.command == "hash" else { return candidate }
            let trial = try query(candidate.line(address: scratchAddress, length: 16))
            if candidate.parseDigest(trial, address: scratchAddress, length: 16) != nil { return candidate }
        }
        return nil
    }

    /// The digest `command` computes over `length` bytes at `address`.
    public func digest(_ command: UBootDigestCommand, address: UInt64, length: UInt64) throws(UBootError) -> [UInt8] {
        let line = command.line(address: address, length: length)
        let timeout = settings.commandTimeoutSeconds + Double(length) / 1_000_000
        let lines = try run(line, timeout: timeout)
        guard let digest = command.parseDigest(lines, address: address, length: length) else {
            throw .unexpectedOutput(command: line, reason: "no '\(command.algorithm.rawValue) for \(hex8(UInt32(truncatingIfNeeded: address))) ... ==> digest' line", output: lines)
        }
        return digest
    }

    /// Checks that `length` bytes at `address` have the host's digest `expected`.
    public func verifyDigest(_ command: UBootDigestCommand, address: UInt64, length: UInt64, expected: [UInt8],
                             what: String) throws(UBootError) {
        let actual = try digest(command, address: address, length: length)
        guard actual == expected else {
            throw .digestMismatch(what: what, command: command.line(address: address, length: length),
                                  algorithm: command.algorithm, expected: expected, actual: actual)
        }
    }

    // MARK: Memory

    /// Reads `length` bytes of RAM with `md.b` and checks them with the device's `crc32`.
    public func readMemory(address: UInt64, length: Int) throws(UBootError) -> [UInt8] {
        let command = "md.b \(hex(address)) \(hex(UInt64(length)))"
        let timeout = settings.commandTimeoutSeconds + Double(length) / 200
        let lines = try run(command, timeout: timeout, checkFailures: false)
        let bytes = try MemoryDump.parse(lines, from: address, length: length, command: command)
        try verifyCRC32(address: address, length: UInt64(length), expected: CRC32.checksum(bytes),
                        what: "md.b of \(length) bytes at \(hex(address))")
        return bytes
    }

    // MARK: Uploads

    /// Uploads `source` to `address` with `loadx` (XMODEM, XMODEM-1K) or `loady` (YMODEM);
    /// returns the size U-Boot reports (`filesize`).
    @discardableResult
    public func upload(_ source: ByteSource, variant: XModemVariant, to address: UInt64, fileName: String = "image.bin",
                       progress: ProgressSink? = nil) throws(UBootError) -> UInt64 {
        let command = (variant == .ymodem ? "loady " : "loadx ") + hex(address)
        try sendLine(command)
        let pending = try readUntilReady(command: command)
        do {
            let outcome = try XModemTransfer.send(source, variant: variant, fileName: fileName, over: transport,
                                                  pending: pending, progress: progress)
            buffer = outcome.leftover
        } catch let error as XModemError {
            _ = try? readAvailable(for: 1, during: "after a failed upload")
            buffer.removeAll()
            throw .upload(command: command, error)
        } catch let error as TransportError {
            throw .transport(during: command, error)
        } catch {
            throw .upload(command: command, .source(offset: 0, reason: "\(error)"))
        }
        let text = try readUntilPrompt(command: command, timeout: settings.commandTimeoutSeconds)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        if let failure = lines.first(where: Self.isFailure) { throw .commandFailed(command: command, line: failure, output: lines) }
        guard let size = Self.totalSize(lines), size >= source.count else {
            throw .unexpectedOutput(command: command, reason: "U-Boot did not report receiving \(source.count) bytes", output: lines)
        }
        return size
    }

    /// The `## Total Size = 0x… = N Bytes` value.
    static func totalSize(_ lines: [String]) -> UInt64? {
        guard let line = lines.first(where: { $0.contains("Total Size") }),
              let hexField = line.split(separator: "=").dropFirst().first?.trimmingWhitespace(),
              hexField.hasPrefix("0x") else { return nil }
        return UInt64(hexField.dropFirst(2), radix: 16)
    }

    // MARK: Plumbing

    public static func isFailure(_ line: String) -> Bool {
        let lowered = line.lowercased()
        return failureMarkers.contains { lowered.contains($0) }
    }

    private func sendLine(_ command: String) throws(UBootError) {
        onCommand?(command)
        buffer.removeAll()
        try write(Array((command + "\n").utf8), during: command)
    }

    private func output(of command: String, text: String) throws(UBootError) -> [String] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { String($0).replacingCarriageReturns() }
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        guard let echo = lines.first else { return [] }
        guard echo.trimmingWhitespace() == command.trimmingWhitespace() else {
            throw .unexpectedOutput(command: command, reason: "the console echoed '\(echo)': characters were lost on the line",
                                    output: lines)
        }
        return lines.dropFirst().filter { !$0.trimmingWhitespace().isEmpty }
    }

    private func readUntilPrompt(command: String, timeout: Double) throws(UBootError) -> String {
        let deadline = Deadline.after(seconds: timeout)
        while !endsWithPrompt(buffer) {
            do {
                buffer += try transport.read(maxLength: 4096, deadline: deadline)
            } catch .timedOut {
                throw .commandTimedOut(command: command, waitedSeconds: timeout, output: lastLine(buffer))
            } catch {
                throw .transport(during: command, error)
            }
        }
        let text = String(decoding: buffer.dropLast(trailingPromptLength(buffer)), as: UTF8.self)
        buffer.removeAll()
        return text
    }

    /// Reads until the receiver's "Ready for binary" line; returns the bytes after it
    /// (often the first `C`), read one line at a time so none is lost.
    private func readUntilReady(command: String) throws(UBootError) -> [UInt8] {
        let deadline = Deadline.after(seconds: settings.commandTimeoutSeconds)
        let marker = Array("Ready for binary".utf8)
        while true {
            if let start = buffer.firstRange(of: marker)?.lowerBound,
               let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let pending = Array(buffer[(newline + 1)...])
                buffer.removeAll()
                return pending
            }
            if endsWithPrompt(buffer) {
                let lines = String(decoding: buffer, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
                throw .unexpectedOutput(command: command, reason: "U-Boot returned to the prompt instead of waiting for an upload",
                                        output: lines)
            }
            do {
                buffer += try transport.read(maxLength: 256, deadline: deadline)
            } catch .timedOut {
                throw .commandTimedOut(command: command, waitedSeconds: settings.commandTimeoutSeconds, output: lastLine(buffer))
            } catch {
                throw .transport(during: command, error)
            }
        }
    }

    private func readAvailable(for seconds: Double, during: String) throws(UBootError) -> [UInt8] {
        let deadline = Deadline.after(seconds: seconds)
        var bytes: [UInt8] = []
        while !deadline.hasPassed {
            do {
                bytes += try transport.read(maxLength: 4096, deadline: deadline)
            } catch .timedOut {
                break
            } catch {
                throw .transport(during: during, error)
            }
        }
        return bytes
    }

    private func write(_ bytes: [UInt8], during: String) throws(UBootError) {
        do {
            try transport.write(bytes, deadline: .after(seconds: 5))
        } catch {
            throw .transport(during: during, error)
        }
    }

    /// Whether `bytes` end with the prompt at the start of a line (trailing spaces optional).
    private func endsWithPrompt(_ bytes: [UInt8]) -> Bool {
        trailingPromptLength(bytes) > 0
    }

    private func trailingPromptLength(_ bytes: [UInt8]) -> Int {
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        guard end >= promptBytes.count, bytes[(end - promptBytes.count)..<end].elementsEqual(promptBytes) else { return 0 }
        let start = end - promptBytes.count
        guard start == 0 || bytes[start - 1] == UInt8(ascii: "\n") || bytes[start - 1] == UInt8(ascii: "\r") else { return 0 }
        return bytes.count - start
    }

    private func lastLine(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.suffix(200), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).last.map { String($0).trimmingWhitespace() } ?? ""
    }
}

/// `0x…` in lower-case hex, as U-Boot commands take numbers.
public func hex(_ value: UInt64) -> String {
    "0x" + String(value, radix: 16)
}

extension String {
    func replacingCarriageReturns() -> String {
        String(filter { $0 != "\r" })
    }
}
