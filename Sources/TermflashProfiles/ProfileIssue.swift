/// One problem found in a profile file: where it is and what to do about it.
public struct ProfileIssue: Sendable, Encodable, Equatable, CustomStringConvertible {
    /// The file, as given to the loader.
    public var file: String
    /// The 1-based YAML line, when known.
    public var line: Int?
    /// The field path, e.g. `storage.partitions[3].offset`; `nil` for the whole file.
    public var field: String?
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates an issue.
    public init(file: String, line: Int? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`, leaving out the parts that are unknown.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        guard let field, !field.isEmpty else { return "\(location): \(message)" }
        return "\(location): \(field): \(message)"
    }
}
