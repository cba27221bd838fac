import TermflashCore

/// What the engine reports while it works, for progress bars and logs.
public enum UpdateEvent: Sendable {
    /// The machine entered a state.
    case state(UpdateState)
    /// A step began.
    case stepStarted(index: Int, step: PlanStep)
    /// Bytes done of a step's total.
    case progress(index: Int, done: UInt64, total: UInt64)
    /// A step ended.
    case stepFinished(index: Int, record: StepRecord)
    /// Anything else worth a line (a retry, a skipped region).
    case note(String)
}
