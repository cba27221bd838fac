import TermflashCore

/// A rawprogram/patch set that cannot be used, naming the file, the line and entry, and the attribute.
public struct RawProgramError: ActionableError, Equatable {
    /// Where the fault is (nil for problems of the whole set, such as a missing file).
    public let location: EntryLocation?
    /// The element (`program`, `patch`, `erase`) when one is at fault.
    public let element: String?
    /// The attribute at fault, if one is.
    public let attribute: String?
    /// What is wrong.
    public let problem: String
    /// What to do next.
    public let advice: String?

    /// An error.
    public init(location: EntryLocation?, element: String? = nil, attribute: String? = nil,
                problem: String, advice: String? = nil) {
        self.location = location
        self.element = element
        self.attribute = attribute
        self.problem = problem
        self.advice = advice
    }

    public var exitStatus: ExitStatus { .invalidProfile }

    public var description: String {
        var parts: [String] = []
        if let location { parts.append("\(location)") }
        if let element { parts.append("<\(element)>") }
        if let attribute { parts.append("attribute \(attribute)") }
        return parts.isEmpty ? problem : "\(parts.joined(separator: ", ")): \(problem)"
    }
}
