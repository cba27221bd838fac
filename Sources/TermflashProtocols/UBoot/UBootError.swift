import TermflashCore
import TermflashCrypto

/// A U-Boot console session that went wrong, with the console output that shows why.
public enum UBootError: Error, CustomStringConvertible {
    /// The prompt never appeared.
    case noPrompt(prompt: String, waitedSeconds: Double, lastOutput: String)
    /// A command printed a failure (`Unknown command`, `Error`, `bad block`…).
    case commandFailed(command: String, line: String, output: [String])
    /// A command did not return to the prompt in time.
    case commandTimedOut(command: String, waitedSeconds: Double, output: String)
    /// A command's output could not be understood.
    case unexpectedOutput(command: String, reason: String, output: [String])
    /// A CRC-32 the device computed disagrees with the host's.
    case crcMismatch(what: String, expected: UInt32, actual: UInt32)
    /// An MD5 or SHA-1 the device computed (`md5sum`, `sha1sum`, `hash`) disagrees with the host's.
    case digestMismatch(what: String, command: String, algorithm: DigestAlgorithm, expected: [UInt8], actual: [UInt8])
    /// An upload failed.
    case upload(command: String, XModemError)
    /// The port failed.
    case transport(during: String, TransportError)

    public var description: String {
        switch self {
        case let .noPrompt(prompt, waited, last):
            return "no U-Boot prompt '\(prompt.trimmingWhitespace())' within \(waited) s" + (last.isEmpty ? "; the console printed nothing" : "; last output: \(last)")
        case let .commandFailed(command, line, _):
            return "U-Boot command '\(command)' failed: \(line)"
        case let .commandTimedOut(command, waited, output):
            return "U-Boot command '\(command)' did not return to the prompt within \(waited) s" + (output.isEmpty ? "" : "; output so far: \(output)")
        case let .unexpectedOutput(command, reason, output):
            return "U-Boot command '\(command)': \(reason)" + (output.isEmpty ? "" : " (output: \(output.prefix(4).joined(separator: " | ")))")
        case let .crcMismatch(what, expected, actual):
            return "\(what): the device computed crc32 \(hex8(actual)), the host \(hex8(expected))"
        case let .digestMismatch(what, command, algorithm, expected, actual):
            return "\(what): '\(command)' on the device gave \(algorithm.displayName) \(actual.hexString), the host computed \(expected.hexString)"
        case let .upload(command, error):
            return "upload with '\(command)' failed: \(error)"
        case let .transport(during, error):
            return "\(during): \(error)"
        }
    }
}

extension UBootError: ActionableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .noPrompt, .commandTimedOut: return .timedOut
        case let .transport(_, error): return error.exitStatus
        case .commandFailed, .unexpectedOutput, .crcMismatch, .digestMismatch, .upload: return .protocolError
        }
    }

    public var advice: String? {
        switch self {
        case .noPrompt:
            return "check the wiring (TX to RX, RX to TX, GND; 3.3 V adapter), the baud rate and the profile's prompt, then power the router on after starting termflash"
        case let .commandFailed(command, line, _) where line.lowercased().contains("bad block"):
            return "'\(command)' met a bad block; termflash stops rather than let data shift past it. Inspect with 'nand bad' on the console"
        case .commandFailed:
            return "the U-Boot build may lack this command or the profile's flash type may be wrong; check 'help' on the console"
        case .crcMismatch, .digestMismatch:
            return "the line or the flash corrupted data; try a lower --baud, another USB-TTL adapter (CP2102 works), then run the same command again"
        case .upload:
            return "a USB-TTL adapter dropping bytes is the usual cause; try another adapter or a lower --baud"
        case let .transport(_, error): return error.advice
        case .commandTimedOut, .unexpectedOutput: return "run the command by hand in a terminal program to see what this U-Boot prints"
        }
    }
}

/// Eight lower-case hex digits.
public func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

