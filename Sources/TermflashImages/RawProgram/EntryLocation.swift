/// Where an entry came from: file, line and its position among the file's entries, for errors and plans.
public struct EntryLocation: Hashable, Sendable, CustomStringConvertible {
    /// File name inside the folder or zip (`rawprogram0.xml`).
    public let file: String
    /// 1-based line of the element's start tag (0 when unknown).
    public let line: Int
    /// 1-based index of the element among the file's entries of its kind.
    public let index: Int

    /// A location.
    public init(file: String, line: Int, index: Int) {
        self.file = file
        self.line = line
        self.index = index
    }

    public var description: String {
        let entry = index > 0 ? " (entry \(index))" : ""
        return line > 0 ? "\(file) line \(line)\(entry)" : index > 0 ? "\(file) entry \(index)" : file
    }
}
