/// Everything a ``Transport`` can throw, each case with what a user needs to act on it.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    /// The deadline passed; `transferred` bytes had already moved.
    case timedOut(operation: String, waitedMilliseconds: Int, transferred: Int)
    /// The device went away (unplugged, re-enumerated, peer closed).
    case deviceVanished(name: String, during: String)
    /// The transport was closed by this program.
    case closed(name: String)
    /// The endpoint stalled and clearing the halt did not help.
    case stalled(name: String, endpoint: UInt8)
    /// The device sent more than the buffer could hold (a protocol or packet-size mismatch).
    case overflow(name: String, endpoint: UInt8)
    /// The operating system refused access to the node.
    case permissionDenied(node: String)
    /// Another driver or program holds the interface or port.
    case busy(resource: String, holder: String?)
    /// A replayed device saw the host send something else than the recording: `offset` is the
    /// byte offset inside record `record`, `expected`/`actual` the bytes from there on.
    case replayDiverged(capture: String, record: Int, offset: Int, expected: [UInt8], actual: [UInt8])
    /// Any other failure of the underlying library or system call.
    case io(name: String, call: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case let .timedOut(operation, waited, transferred):
            return "timed out after \(waited) ms waiting for \(operation) (\(transferred) bytes transferred)"
        case let .deviceVanished(name, during):
            return "\(name) vanished during \(during)"
        case let .closed(name):
            return "\(name) is closed"
        case let .stalled(name, endpoint):
            return "\(name): endpoint 0x\(byteHex(endpoint)) stalled and did not recover after clear-halt"
        case let .overflow(name, endpoint):
            return "\(name): endpoint 0x\(byteHex(endpoint)) sent more data than requested (packet size mismatch)"
        case let .permissionDenied(node):
            return "permission denied on \(node)"
        case let .busy(resource, holder):
            return "\(resource) is busy" + (holder.map { " (held by \($0))" } ?? "")
        case let .replayDiverged(capture, record, offset, expected, actual):
            return "\(capture): host diverged from record \(record) at byte offset \(offset): expected "
                + (expected.isEmpty ? "nothing (end of the recorded write)" : hexDump(expected))
                + ", got " + (actual.isEmpty ? "nothing" : hexDump(actual))
        case let .io(name, call, code, message):
            return "\(name): \(call) failed (\(code)): \(message)"
        }
    }
}

/// Space-separated hex bytes, at most 16, with `…` when there were more.
public func hexDump(_ bytes: [UInt8], limit: Int = 16) -> String {
    bytes.prefix(limit).map(byteHex).joined(separator: " ") + (bytes.count > limit ? " …" : "")
}
