import Foundation
import Yams

/// What reading one profile file produced.
struct ProfileReadResult {
    var profile: DeviceProfile?
    var issues: [ProfileIssue]
    var idLine: Int?
}

extension ProfileReader {
    /// Reads and checks one profile file.
    static func read(file: String) -> ProfileReadResult {
        do {
            return read(yaml: try String(contentsOfFile: file, encoding: .utf8), file: file)
        } catch {
            let issue = ProfileIssue(file: file, message: "cannot read the file as UTF-8 text; check that it exists")
            return ProfileReadResult(profile: nil, issues: [issue])
        }
    }

    /// Parses and checks YAML text that came from `file`.
    static func read(yaml: String, file: String) -> ProfileReadResult {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return ProfileReadResult(profile: nil, issues: [issue(for: error, file: file)])
        }
        guard let root else {
            let issue = ProfileIssue(file: file, message: "the file is empty; a profile needs at least "
                + "schemaVersion, id, vendor, model, kind and protocolFamily")
            return ProfileReadResult(profile: nil, issues: [issue])
        }
        let field = YAMLField(node: root, path: "")
        let reader = ProfileReader(file: file)
        let profile = reader.readProfile(field)
        return ProfileReadResult(profile: profile, issues: inLineOrder(reader.issues), idLine: idLine(of: field))
    }

    /// Issues sorted by line, keeping the reading order among equal lines.
    private static func inLineOrder(_ issues: [ProfileIssue]) -> [ProfileIssue] {
        issues.enumerated()
            .sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
    }

    /// A YAML syntax error as an issue with its line.
    private static func issue(for error: Error, file: String) -> ProfileIssue {
        guard let yamlError = error as? YamlError else {
            return ProfileIssue(file: file, message: "cannot parse YAML: \(error)")
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            return ProfileIssue(file: file, line: mark.line, message: "YAML syntax error: \(problem)\(detail); "
                + "check indentation and quoting")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ProfileIssue(file: file, line: context.mark.line,
                                message: "field \(names) appears more than once in the same mapping; keep one")
        default:
            return ProfileIssue(file: file, message: "cannot parse YAML: \(yamlError)")
        }
    }
}
