import Foundation
import TermflashCore

/// Runs AT commands over a transport (a modem's AT tty): writes `COMMAND\r`, reads until
/// the final result code.
public struct ATSession {
    /// The port.
    public let transport: Transport
    /// How long one command may take.
    public var timeoutSeconds: Double

    /// A session on `transport`.
    public init(transport: Transport, timeoutSeconds: Double = 5) {
        self.transport = transport
        self.timeoutSeconds = timeoutSeconds
    }

    /// Sends `command` and returns the modem's answer; `ERROR` answers are returned, not thrown.
    public func run(_ command: String) throws(ATError) -> ATResponse {
        let deadline = Deadline.after(seconds: timeoutSeconds)
        var parser = ATResponseParser(command: command)
        do {
            try transport.write(Array((command + "\r").utf8), deadline: deadline)
            while true {
                parser.feed(try transport.read(maxLength: 4096, deadline: deadline))
                if let response = parser.response() { return response }
            }
        } catch {
            throw .transport(command: command, error)
        }
    }
}

/// An AT command that got no answer.
public enum ATError: Error, CustomStringConvertible {
    case transport(command: String, TransportError)

    public var description: String {
        switch self {
        case let .transport(command, error): return "\(command): \(error)"
        }
    }
}

extension ATError: ActionableError {
    public var exitStatus: ExitStatus {
        switch self {
        case let .transport(_, error): return error.exitStatus
        }
    }

    public var advice: String? {
        switch self {
        case .transport(_, .timedOut):
            return "is this the AT port? 'termflash list' shows each tty's role; diag and download ports do not answer AT"
        case let .transport(_, error): return error.advice
        }
    }
}
