/// The states of an update, in the order a successful one passes them:
/// IDLE → CHECKING → DOWNLOADING → VERIFYING → PRE_UPDATING → UPDATING → VERIFY_POST → SUCCESS,
/// with RETRY (a step is tried again), FAILED (stopped; the journal says how to resume) and
/// ROLLBACK (backups are written back) → ROLLED_BACK.
public enum UpdateState: String, Sendable, Codable, CaseIterable {
    case idle = "IDLE"
    /// The plan is checked against the target: regions exist, images fit, guards pass.
    case checking = "CHECKING"
    /// Image sources are opened (files, sparse images, reconstructed deltas).
    case downloading = "DOWNLOADING"
    /// Every image's SHA-256 is checked before the first byte is written.
    case verifying = "VERIFYING"
    /// Backups of the regions that will change are read and verified.
    case preUpdating = "PRE_UPDATING"
    /// Writes, erases and protocol steps run; the journal records each one.
    case updating = "UPDATING"
    /// What was written is checked on the device (device digests, or a read-back).
    case verifyPost = "VERIFY_POST"
    case success = "SUCCESS"
    case retry = "RETRY"
    case failed = "FAILED"
    case rollback = "ROLLBACK"
    case rolledBack = "ROLLED_BACK"

    /// The states a machine may move to from this one.
    public var successors: Set<UpdateState> {
        switch self {
        case .idle: return [.checking]
        case .checking: return [.downloading, .failed]
        case .downloading: return [.verifying, .failed]
        case .verifying: return [.preUpdating, .failed]
        case .preUpdating: return [.updating, .retry, .failed]
        case .updating: return [.verifyPost, .retry, .failed]
        case .verifyPost: return [.success, .retry, .failed]
        case .retry: return [.preUpdating, .updating, .verifyPost, .failed]
        case .failed: return [.rollback, .checking]
        case .rollback: return [.rolledBack, .failed]
        case .success, .rolledBack: return []
        }
    }
}
