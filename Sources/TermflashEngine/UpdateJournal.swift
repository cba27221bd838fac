import Foundation
import TermflashCore

/// What happened to one plan step; the journal keeps one per step.
public struct StepRecord: Sendable, Codable, Equatable {
    /// Where the step stands.
    public enum Status: String, Sendable, Codable {
        case pending, running, done, skipped, failed
        case rolledBack = "rolled-back"
    }

    public var status: Status = .pending
    /// Bytes known to be on the device (writes) or in the backup file (backups).
    public var bytesDone: UInt64 = 0
    /// SHA-256 of what the step wrote or backed up, lower-case hex.
    public var sha256: String?
    /// CRC-32 of it, for devices that digest with CRC-32.
    public var crc32: UInt32?
    /// How it was checked: `device sha256`, `device crc32`, `read-back`.
    public var verifiedBy: String?
    /// The last error or note.
    public var message: String?

    /// A pending step.
    public init() {}
}

/// One state change, with its time.
public struct StateTransition: Sendable, Codable, Equatable {
    public var state: UpdateState
    public var at: Date
}

/// The durable record of an update: the plan, every step's status and the state history.
/// Written atomically after every change, so `--resume` and `--rollback` work after a
/// crash, a power cut or an unplugged cable.
public struct UpdateJournal: Sendable, Codable {
    /// Format version of this file.
    public var version = 1
    public var plan: UpdatePlan
    /// The target it ran against.
    public var target: String
    public var state: UpdateState
    /// One record per plan step.
    public var steps: [StepRecord]
    public var history: [StateTransition]
    /// The error that stopped the update, if any.
    public var error: String?

    /// A fresh journal for `plan`.
    public init(plan: UpdatePlan, target: String) {
        self.plan = plan
        self.target = target
        state = .idle
        steps = plan.steps.map { _ in StepRecord() }
        history = [StateTransition(state: .idle, at: Date())]
    }

    /// Reads a journal file.
    public static func load(from path: String) throws -> UpdateJournal {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalError.unreadable(path: path)
        }
        do {
            return try JSONDecoder.journal.decode(UpdateJournal.self, from: data)
        } catch {
            throw JournalError.corrupt(path: path, reason: "\(error)")
        }
    }

    /// Writes the journal atomically (a temporary file renamed over the old one).
    public func save(to path: String) throws {
        let data = try JSONEncoder.termflash.encode(self)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// A journal that cannot be used.
public enum JournalError: ActionableError {
    case unreadable(path: String)
    case corrupt(path: String, reason: String)
    case notResumable(path: String, state: UpdateState)

    public var exitStatus: ExitStatus { .failure }

    public var description: String {
        switch self {
        case let .unreadable(path): return "\(path): journal cannot be read"
        case let .corrupt(path, reason): return "\(path): not a termflash journal (\(reason))"
        case let .notResumable(path, state): return "\(path): the update is in state \(state.rawValue); there is nothing to resume"
        }
    }

    public var advice: String? {
        "journals are written next to the run (see the path printed when the update stopped)"
    }
}

extension JSONDecoder {
    static var journal: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
