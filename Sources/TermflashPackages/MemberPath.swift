/// Rules for paths inside a package: relative, plain, and unable to leave the folder a
/// package is looked at in — checked on every member name and every manifest `file`.
enum MemberPath {
    /// Longest path allowed (what fits a ustar `name` field).
    static let maximumLength = TarHeader.maximumNameLength

    /// Throws `unsafePath` naming the rule `path` breaks.
    static func check(_ path: String) throws(PackageError) {
        guard !path.isEmpty else { throw .unsafePath(member: path, reason: "the path is empty") }
        guard path.utf8.count <= maximumLength else {
            throw .unsafePath(member: path, reason: "the path is \(path.utf8.count) bytes, more than \(maximumLength)")
        }
        guard !path.hasPrefix("/") else { throw .unsafePath(member: path, reason: "absolute path") }
        guard !path.contains("\\") else { throw .unsafePath(member: path, reason: "contains a backslash") }
        guard path.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .unsafePath(member: path, reason: "contains a control character")
        }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component == ".." { throw .unsafePath(member: path, reason: "path traversal ('..' component)") }
            if component == "." || component.isEmpty {
                throw .unsafePath(member: path, reason: "empty or '.' path component")
            }
        }
    }
}
