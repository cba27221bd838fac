import TermflashCore

/// A zip archive (or one of its members) that cannot be read, naming the archive, member and offset.
public struct ZipError: ActionableError, Equatable {
    /// The archive's path.
    public let archive: String
    /// The member at fault, if one is.
    public let member: String?
    /// Byte offset in the archive where the fault is.
    public let offset: UInt64?
    /// What is wrong.
    public let problem: String

    /// An error.
    public init(archive: String, member: String? = nil, offset: UInt64? = nil, problem: String) {
        self.archive = archive
        self.member = member
        self.offset = offset
        self.problem = problem
    }

    public var exitStatus: ExitStatus { .invalidProfile }

    public var advice: String? {
        "the zip is damaged, truncated or uses a feature termflash does not read (encryption, multi-part); unzip it with another tool and pass the folder"
    }

    public var description: String {
        var text = "zip \(archive)"
        if let member { text += ", member \(member)" }
        if let offset { text += " (offset 0x\(String(offset, radix: 16)))" }
        return "\(text): \(problem)"
    }
}
