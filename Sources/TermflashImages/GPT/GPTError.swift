import TermflashCore

/// A GPT that cannot be trusted, naming the field at fault.
public struct GPTError: ActionableError, Equatable {
    /// The header or entry field (`Signature`, `HeaderCRC32`, `PartitionEntryArrayCRC32`, `entry 3 StartingLBA` …).
    public let field: String
    /// What is wrong.
    public let problem: String

    /// An error.
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var exitStatus: ExitStatus { .invalidProfile }

    public var advice: String? {
        "the partition table is damaged or absent; read the backup GPT at the end of the LUN, or flash the set's gpt_main/gpt_backup images"
    }

    public var description: String { "GPT \(field): \(problem)" }
}
