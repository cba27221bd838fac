import Yams

/// A YAML node together with the field path that leads to it.
struct YAMLField {
    let node: Node
    let path: String

    /// The 1-based line the node starts on.
    var line: Int? { node.mark?.line }

    /// The path of a key inside this mapping.
    func path(ofKey key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Whether the node is an explicit or implicit YAML null.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// A few words naming what the node is, for type errors.
    var kindDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            return quoted ? "the string \"\(scalar.string)\"" : "'\(scalar.string)'"
        }
    }
}

/// The fields of one YAML mapping, by key, with the mapping's own location.
struct FieldMap {
    let owner: YAMLField
    let fields: [String: YAMLField]

    /// The non-null field with this key.
    subscript(key: String) -> YAMLField? {
        guard let field = fields[key], !field.isNull else { return nil }
        return field
    }
}
