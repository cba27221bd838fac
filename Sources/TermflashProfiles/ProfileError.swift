import TermflashCore

/// Why device profiles could not be used.
public enum ProfileError: ActionableError, Equatable {
    /// One or more files failed validation; every issue is listed.
    case invalid(issues: [ProfileIssue])
    /// A single field of a file is wrong.
    case invalidField(file: String, field: String?, line: Int?, message: String)
    /// A file or folder could not be read.
    case unreadable(path: String, reason: String)
    /// No profile folder was found.
    case directoryNotFound(String)
    /// No profile has this id.
    case unknownProfile(id: String, known: [String])

    /// Device-profile problems end with `invalidProfile`.
    public var exitStatus: ExitStatus { .invalidProfile }

    /// The issues this error stands for.
    public var issues: [ProfileIssue] {
        switch self {
        case .invalid(let issues):
            return issues
        case let .invalidField(file, field, line, message):
            return [ProfileIssue(file: file, line: line, field: field, message: message)]
        case let .unreadable(path, reason):
            return [ProfileIssue(file: path, message: reason)]
        case .directoryNotFound, .unknownProfile:
            return []
        }
    }

    /// One line per issue, or a sentence for the other cases.
    public var description: String {
        switch self {
        case .invalid(let issues):
            let noun = issues.count == 1 ? "problem" : "problems"
            return (["\(issues.count) device profile \(noun):"] + issues.map { "  \($0)" })
                .joined(separator: "\n")
        case .invalidField, .unreadable:
            return issues.map(\.description).joined(separator: "\n")
        case .directoryNotFound(let path):
            return "no device profile folder at \(path)"
        case let .unknownProfile(id, known):
            return "no device profile '\(id)' (known: \(known.joined(separator: ", ")))"
        }
    }

    /// What to do next.
    public var advice: String? {
        switch self {
        case .invalid, .invalidField:
            return "fix the fields named above; DeviceProfiles/SCHEMA.md describes every field"
        case .unreadable:
            return "check that the file exists and is readable"
        case .directoryNotFound:
            return "set TERMFLASH_PROFILES to the DeviceProfiles folder"
        case .unknownProfile:
            return "use one of the ids listed, or add a profile under DeviceProfiles/"
        }
    }
}
