import Foundation
import Logging
import TermflashCore
import TermflashCrypto

/// Walks an ``UpdatePlan`` through the update state machine against one ``FlashTarget``,
/// journaling every step so an interrupted update can be resumed or rolled back.
public final class UpdateEngine {
    /// How the engine behaves.
    public struct Options: Sendable {
        /// How often a failed step is tried again (transport errors, a failed verification).
        public var retries = 1
        /// Skip writes whose region already holds the image (by device SHA-256 digest).
        public var skipUnchanged = false
        /// Bytes per chunk when hashing and reading back.
        public var chunkSize = 1 << 20

        /// Default options.
        public init(retries: Int = 1, skipUnchanged: Bool = false) {
            self.retries = retries
            self.skipUnchanged = skipUnchanged
        }
    }

    /// A check run in CHECKING (package signature, profile and hardware revision guards).
    public typealias Check = () throws -> Void

    let target: FlashTarget
    let resolver: SourceResolver
    let journalPath: String?
    let options: Options
    let events: (UpdateEvent) -> Void
    let logger: Logger
    var journal: UpdateJournal
    var sources: [Int: ByteSource] = [:]
    var bytesWritten: UInt64 = 0
    let started = Date()

    /// An engine for `plan` on `target`; `journalPath` makes it resumable.
    public init(plan: UpdatePlan, target: FlashTarget, resolver: SourceResolver = .files, journalPath: String? = nil,
                options: Options = Options(), logger: Logger = Logger(label: "termflash.engine"),
                events: @escaping (UpdateEvent) -> Void = { _ in }) {
        self.target = target
        self.resolver = resolver
        self.journalPath = journalPath
        self.options = options
        self.events = events
        self.logger = logger
        journal = UpdateJournal(plan: plan, target: target.name)
    }

    /// Continues from a journal: finished steps stay finished; the rest run again (or are
    /// restored by ``rollBack()``).
    public convenience init(resuming journal: UpdateJournal, target: FlashTarget, resolver: SourceResolver = .files,
                            journalPath: String, options: Options = Options(), logger: Logger = Logger(label: "termflash.engine"),
                            events: @escaping (UpdateEvent) -> Void = { _ in }) throws {
        guard journal.state != .rolledBack else {
            throw JournalError.notResumable(path: journalPath, state: journal.state)
        }
        self.init(plan: journal.plan, target: target, resolver: resolver, journalPath: journalPath, options: options,
                  logger: logger, events: events)
        self.journal = journal  // failed and running steps run again; rollback reads their partial bytes
        self.journal.error = nil
    }

    /// Runs the plan to SUCCESS, or throws ``UpdateFailure`` (after FAILED) with the report;
    /// checks that fail before anything was written throw their own error.
    @discardableResult
    public func run(checks: [Check] = []) throws -> UpdateReport {
        if journal.state == .success {
            throw JournalError.notResumable(path: journalPath ?? "journal", state: .success)
        }
        if journal.state != .idle { try restart() }
        do {
            try enter(.checking)
            try checkPlan(checks)
            try enter(.downloading)
            try openSources()
            try enter(.verifying)
            try verifySources()
            try enter(.preUpdating)
            try withRetries(phase: .preUpdating) { try runBackups() }
            try enter(.updating)
            try withRetries(phase: .updating) { try runUpdates() }
            try verifyWithRewrites()
            try target.finish(journal.plan.finish)
            try enter(.success)
            return report()
        } catch let error as PlanError where !anythingWritten {
            try? fail(error.description)
            throw error
        } catch let failure as UpdateFailure {
            throw failure
        } catch {
            try fail(describe(error))
            throw UpdateFailure(report: report(), reason: describe(error), canRollBack: hasBackups)
        }
    }

    // MARK: State and journal

    /// A resumed update starts over at CHECKING: images are verified again before writing.
    func restart() throws {
        if journal.state != .failed { journal.state = .failed }
        journal.state = .idle
        journal.history.append(StateTransition(state: .idle, at: Date()))
        try persist()
    }

    func enter(_ state: UpdateState) throws {
        precondition(journal.state.successors.contains(state), "no transition \(journal.state) → \(state)")
        journal.state = state
        journal.history.append(StateTransition(state: state, at: Date()))
        logger.debug("state \(state.rawValue)")
        events(.state(state))
        try persist()
    }

    func persist() throws {
        guard let journalPath else { return }
        try journal.save(to: journalPath)
    }

    func fail(_ reason: String) throws {
        journal.error = reason
        if journal.state.successors.contains(.failed) { try enter(.failed) } else { try persist() }
    }

    func report() -> UpdateReport {
        UpdateReport(journal: journal, journalPath: journalPath, bytesWritten: bytesWritten, started: started)
    }

    var anythingWritten: Bool {
        zip(journal.plan.steps, journal.steps).contains { $0.kind != .backup && ($1.status != .pending || $1.bytesDone > 0) }
    }

    var hasBackups: Bool {
        zip(journal.plan.steps, journal.steps).contains { $0.kind == .backup && $1.status == .done }
    }

    func describe(_ error: Error) -> String {
        String(describing: error)
    }

    /// Runs `body`; on a failure tries again (entering RETRY) up to `options.retries` times.
    func withRetries(phase: UpdateState, _ body: () throws -> Void) throws {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as PlanError {
                throw error
            } catch {
                guard attempt < options.retries, Self.isRetryable(error) else { throw error }
                attempt += 1
                events(.note("retrying after: \(describe(error)) (attempt \(attempt + 1))"))
                logger.notice("retry \(attempt) of \(phase.rawValue): \(describe(error))")
                try enter(.retry)
                try enter(phase)
            }
        }
    }

    /// Transport hiccups and failed verifications are worth another try; a device that
    /// refused a command or vanished is not.
    static func isRetryable(_ error: Error) -> Bool {
        switch error {
        case let transport as TransportError:
            if case .timedOut = transport { return true }
            return false
        case let flash as FlashTargetError:
            if case .interrupted(_, _, let reason) = flash { return !reason.contains("vanished") }
            return false
        case is VerificationMismatch:
            return true
        default:
            return false
        }
    }
}

/// What was written does not read back as the image.
public struct VerificationMismatch: Error, CustomStringConvertible {
    public let region: FlashRegion
    public let method: String
    public let expected: String
    public let actual: String

    public var description: String {
        "\(region) does not hold the image after writing (\(method): expected \(expected), got \(actual))"
    }
}
