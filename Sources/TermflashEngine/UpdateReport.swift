import Foundation
import TermflashCore

/// The outcome of an update, for people and for factory lines (`--report FILE`).
public struct UpdateReport: Sendable, Encodable {
    /// One step as it ended.
    public struct Step: Sendable, Encodable {
        public var index: Int
        public var description: String
        public var status: StepRecord.Status
        public var bytes: UInt64
        public var verifiedBy: String?
        public var message: String?
    }

    public var plan: String
    public var summary: String
    public var target: String
    public var state: UpdateState
    public var steps: [Step]
    /// Bytes written to the device by this run.
    public var bytesWritten: UInt64
    public var started: Date
    public var finished: Date
    /// Where the journal is, when one was kept.
    public var journal: String?
    /// What stopped the update, and what the device holds now.
    public var error: String?
    public var deviceState: String

    init(journal: UpdateJournal, journalPath: String?, bytesWritten: UInt64, started: Date) {
        plan = journal.plan.id
        summary = journal.plan.summary
        target = journal.target
        state = journal.state
        steps = zip(journal.plan.steps, journal.steps).enumerated().map { index, pair in
            Step(index: index + 1, description: pair.0.description, status: pair.1.status, bytes: pair.1.bytesDone,
                 verifiedBy: pair.1.verifiedBy, message: pair.1.message)
        }
        self.bytesWritten = bytesWritten
        self.started = started
        finished = Date()
        self.journal = journalPath
        error = journal.error
        deviceState = UpdateReport.describeDevice(journal)
    }

    /// A plain-language account of what is on the device now.
    static func describeDevice(_ journal: UpdateJournal) -> String {
        var changed: [String] = []
        var partial: [String] = []
        for (step, record) in zip(journal.plan.steps, journal.steps) where step.kind != .backup {
            let region = step.region.map(String.init(describing:)) ?? step.description
            switch record.status {
            case .done: changed.append(region + (record.verifiedBy.map { " (verified by \($0))" } ?? ""))
            case .failed, .running:
                if step.kind == .write, let length = step.image?.length {
                    partial.append("\(region): \(record.bytesDone) of \(length) bytes written, incomplete")
                } else if record.status == .failed {
                    partial.append("\(region): \(step.kind.rawValue) did not complete")
                }
            case .rolledBack: changed.append(region + " (restored from backup)")
            case .pending, .skipped: break
            }
        }
        if changed.isEmpty && partial.isEmpty { return "unchanged: nothing was written" }
        return (partial + changed.map { "changed: " + $0 }).joined(separator: "; ")
    }

    /// Human-readable lines.
    public var text: String {
        var lines = ["\(state.rawValue): \(summary) on \(target)"]
        for step in steps {
            let number = String(step.index)
            let status = step.status.rawValue
            var line = String(repeating: " ", count: max(0, 3 - number.count)) + number + ". "
                + status + String(repeating: " ", count: max(1, 9 - status.count)) + step.description
            if step.bytes > 0 { line += "  \(step.bytes) bytes" }
            if let verified = step.verifiedBy { line += "  verified by \(verified)" }
            if let message = step.message { line += "  (\(message))" }
            lines.append(line)
        }
        lines.append("device: \(deviceState)")
        if let journal { lines.append("journal: \(journal)") }
        return lines.joined(separator: "\n")
    }
}
