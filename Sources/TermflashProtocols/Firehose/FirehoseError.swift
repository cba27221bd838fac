import TermflashCore

/// Why a Firehose exchange failed, with what the device said and what was already written.
public enum FirehoseError: Error, Equatable, CustomStringConvertible {
    /// The device answered NAK. `log` holds its log lines; `written` what reached storage
    /// before the NAK (empty when nothing did).
    case nak(command: String, log: [String], written: String?)
    /// Text that is not the XML a programmer sends.
    case malformedXML(reason: String, excerpt: String)
    /// No response in time.
    case noResponse(command: String, waitedMilliseconds: Int, log: [String])
    /// `configure` failed for every storage type and payload size tried.
    case configureFailed(tried: [String], log: [String])
    /// The programmer needs vendor authentication first ("Only nop and sig tag can be…").
    case authenticationRequired(log: [String])
    /// A reply lacked a field the step needs.
    case missingField(command: String, field: String)
    /// The device went away (or the transport failed) while a response was awaited.
    case deviceLost(command: String, reason: String, written: String?)
    /// The transport failed part-way through a transfer.
    case transferStopped(command: String, bytesDone: UInt64, of: UInt64, reason: String)

    public var description: String {
        switch self {
        case let .nak(command, log, written):
            return "the programmer refused \(command) (NAK)" + logText(log)
                + (written.map { "; already on the device: \($0)" } ?? "; nothing of it was written")
        case let .malformedXML(reason, excerpt):
            return "malformed Firehose XML: \(reason) near \"\(excerpt)\""
        case let .noResponse(command, waited, log):
            return "no Firehose response to \(command) within \(waited) ms" + logText(log)
                + "; the programmer may have crashed: power-cycle into EDL and upload it again"
        case let .configureFailed(tried, log):
            return "configure failed for \(tried.joined(separator: ", "))" + logText(log)
                + "; name the storage with --memory (emmc, ufs, nand, spinor)"
        case let .authenticationRequired(log):
            return "the programmer accepts only nop and sig before vendor authentication" + logText(log)
                + "; this unit needs its vendor's signed programmer and authentication"
        case let .missingField(command, field):
            return "Firehose response to \(command) lacks \(field)"
        case let .deviceLost(command, reason, written):
            return "the device was lost waiting for the response to \(command): \(reason)"
                + (written.map { "; \($0)" } ?? "") + "; power-cycle it into EDL and run again (--skip-unchanged resumes)"
        case let .transferStopped(command, done, total, reason):
            return "\(command) stopped after \(done) of \(total) bytes: \(reason)"
        }
    }

    private func logText(_ log: [String]) -> String {
        log.isEmpty ? "" : " (device log: \(log.suffix(6).joined(separator: " | ")))"
    }
}
