import TermflashCore
import Yams

/// Reads one profile file's YAML tree against the schema, collecting every problem it finds.
final class ProfileReader {
    let file: String
    private(set) var issues: [ProfileIssue] = []
    /// Partition names seen so far in this file, with the path of their first use.
    var partitionNames: [String: String] = [:]

    init(file: String) {
        self.file = file
    }

    // MARK: Reporting

    func report(_ path: String?, line: Int?, _ message: String) {
        issues.append(ProfileIssue(file: file, line: line, field: path, message: message))
    }

    func report(_ field: YAMLField, _ message: String) {
        report(field.path, line: field.line, message)
    }

    // MARK: Structure

    /// The fields of a mapping; unknown keys are reported with a suggestion.
    func mapping(_ field: YAMLField, known: [String]) -> FieldMap? {
        guard case .mapping(let mapping) = field.node else {
            report(field, "expected a mapping of fields, found \(field.kindDescription)")
            return nil
        }
        var fields: [String: YAMLField] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(field.path, line: keyNode.mark?.line, "field names must be plain words")
                continue
            }
            let child = YAMLField(node: value, path: field.path(ofKey: key.string))
            if known.contains(key.string) {
                fields[key.string] = child
            } else {
                reportUnknown(key.string, path: child.path, line: keyNode.mark?.line, known: known)
            }
        }
        return FieldMap(owner: field, fields: fields)
    }

    private func reportUnknown(_ key: String, path: String, line: Int?, known: [String]) {
        if let suggestion = FieldSuggestion.closest(to: key, in: known) {
            report(path, line: line, "unknown field; did you mean '\(suggestion)'?")
        } else {
            report(path, line: line, "unknown field; the fields allowed here are \(known.joined(separator: ", "))")
        }
    }

    /// The items of a list, each with its indexed path.
    func sequence(_ field: YAMLField) -> [YAMLField]? {
        guard case .sequence(let items) = field.node else {
            report(field, "expected a list, found \(field.kindDescription)")
            return nil
        }
        return items.enumerated().map { YAMLField(node: $1, path: "\(field.path)[\($0)]") }
    }

    /// Reads a required field, reporting it when missing.
    func required<T>(_ map: FieldMap, _ key: String, _ read: (YAMLField) -> T?) -> T? {
        guard let field = map[key] else {
            report(map.owner.path(ofKey: key), line: map.owner.line, "required field is missing; add '\(key):'")
            return nil
        }
        return read(field)
    }

    /// Reads an optional field.
    func optional<T>(_ map: FieldMap, _ key: String, _ read: (YAMLField) -> T?) -> T? {
        map[key].flatMap(read)
    }

    /// Reads an optional list field, keeping the items that read cleanly.
    func list<T>(_ map: FieldMap, _ key: String, _ read: (YAMLField) -> T?) -> [(value: T, field: YAMLField)] {
        guard let field = map[key], let items = sequence(field) else { return [] }
        return items.compactMap { item in read(item).map { (value: $0, field: item) } }
    }

    // MARK: Scalars

    private func scalar(_ field: YAMLField, expected: String) -> Node.Scalar? {
        guard case .scalar(let scalar) = field.node else {
            report(field, "expected \(expected), found \(field.kindDescription)")
            return nil
        }
        return scalar
    }

    /// Any scalar, as text.
    func string(_ field: YAMLField) -> String? {
        scalar(field, expected: "text")?.string
    }

    /// Non-empty text.
    func nonEmptyString(_ field: YAMLField) -> String? {
        guard let text = string(field) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            report(field, "must not be empty")
            return nil
        }
        return text
    }

    /// An integer written in decimal, or `0x`/`0o`/`0b` notation, within `range`.
    func integer(_ field: YAMLField, range: ClosedRange<Int> = 0...Int.max, allowQuoted: Bool = false) -> Int? {
        guard let scalar = scalar(field, expected: "an integer") else { return nil }
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        guard !quoted || allowQuoted, let value = Self.parseInteger(scalar.string) else {
            report(field, "expected an integer (like 4096 or 0x1000), found \(field.kindDescription)")
            return nil
        }
        guard range.contains(value) else {
            let upper = range.upperBound == Int.max ? "" : " and \(range.upperBound)"
            let bounds = upper.isEmpty ? "at least \(range.lowerBound)" : "between \(range.lowerBound)\(upper)"
            report(field, "\(value) is out of range; it must be \(bounds)")
            return nil
        }
        return value
    }

    /// A non-negative number of any precision.
    func number(_ field: YAMLField) -> Double? {
        guard let scalar = scalar(field, expected: "a number") else { return nil }
        let value = Double(scalar.string) ?? Self.parseInteger(scalar.string).map(Double.init)
        guard scalar.style == .plain || scalar.style == .any, let value, value >= 0 else {
            report(field, "expected a non-negative number (like 3 or 1.5), found \(field.kindDescription)")
            return nil
        }
        return value
    }

    /// `true` or `false`.
    func bool(_ field: YAMLField) -> Bool? {
        guard let scalar = scalar(field, expected: "true or false") else { return nil }
        switch (scalar.style, scalar.string.lowercased()) {
        case (.plain, "true"), (.any, "true"): return true
        case (.plain, "false"), (.any, "false"): return false
        default:
            report(field, "expected true or false, found \(field.kindDescription)")
            return nil
        }
    }

    /// One of an enumeration's raw values.
    func choice<T>(_ field: YAMLField, _ type: T.Type, allowed: [T]? = nil) -> T?
    where T: RawRepresentable & CaseIterable, T.RawValue == String {
        guard let text = string(field) else { return nil }
        let allowed = allowed ?? Array(T.allCases)
        if let value = allowed.first(where: { $0.rawValue == text }) { return value }
        let names = allowed.map(\.rawValue)
        let hint = FieldSuggestion.closest(to: text, in: names).map { " (did you mean '\($0)'?)" } ?? ""
        report(field, "'\(text)' is not allowed\(hint); use one of \(names.joined(separator: ", "))")
        return nil
    }

    /// A device mode a profile may name (anything but `unknown`).
    func mode(_ field: YAMLField) -> DeviceMode? {
        choice(field, DeviceMode.self, allowed: DeviceMode.allCases.filter { $0 != .unknown })
    }

    /// A `vid:pid` pair in hex.
    func usbIdentity(_ field: YAMLField) -> USBIdentity? {
        guard let text = string(field) else { return nil }
        guard let identity = USBIdentity(text) else {
            report(field, "'\(text)' is not a USB identity; write vendor and product id in hex, like \"19d2:1225\"")
            return nil
        }
        return identity
    }

    /// A lower-case id made of letters, digits and dashes.
    func identifier(_ field: YAMLField) -> String? {
        guard let text = string(field) else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        guard !text.isEmpty, text.allSatisfy(allowed.contains) else {
            report(field, "'\(text)' is not a valid id; use lower-case letters, digits and dashes, like mf823 or edl-9008")
            return nil
        }
        return text
    }

    /// Parses decimal, `0x` hex, `0o` octal or `0b` binary, with optional sign and `_` separators.
    static func parseInteger(_ text: String) -> Int? {
        var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
        var sign = 1
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            digits = digits.dropFirst()
        }
        var radix = 10
        for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.lowercased().hasPrefix(prefix) {
            radix = base
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit), let value = Int(digits, radix: radix) else {
            return nil
        }
        return sign * value
    }
}
