/// A node of a device-tree source after includes and `&label` overlays are merged.
public struct DeviceTreeNode: Sendable, Equatable {
    /// `partition@1600000`, `flash@0`, `/` for the root.
    public var name: String
    /// `boot_flash` in `boot_flash: flash@0 { … }`.
    public var labels: [String]
    /// Properties in source order (a later assignment replaces an earlier one).
    public var properties: [DeviceTreeProperty]
    public var children: [DeviceTreeNode]
    /// `/delete-property/` names, applied when this node is merged into an earlier one.
    var deletedProperties: [String] = []

    public init(name: String, labels: [String] = [], properties: [DeviceTreeProperty] = [], children: [DeviceTreeNode] = []) {
        self.name = name
        self.labels = labels
        self.properties = properties
        self.children = children
    }

    /// The property's value, if present.
    public func property(_ name: String) -> [DeviceTreeValue]? {
        properties.last { $0.name == name }?.values
    }

    /// Whether the property is present (`read-only;`).
    public func has(_ name: String) -> Bool { properties.contains { $0.name == name } }

    /// The strings of a string property (`compatible`, `label`).
    public func strings(_ name: String) -> [String] {
        (property(name) ?? []).compactMap { if case let .string(text) = $0 { return text } else { return nil } }
    }

    /// The cells of a `< … >` property, in order across groups.
    public func cells(_ name: String) -> [DeviceTreeCell] {
        (property(name) ?? []).flatMap { if case let .cells(cells) = $0 { return cells } else { return [] } }
    }

    /// The node name without its unit address: `partition` for `partition@0`.
    public var baseName: String { String(name.split(separator: "@", maxSplits: 1).first ?? Substring(name)) }

    /// The unit address after `@`, as a number, when it is hex.
    public var unitAddress: UInt64? {
        guard let at = name.firstIndex(of: "@") else { return nil }
        return UInt64(name[name.index(after: at)...].split(separator: ",").first ?? "", radix: 16)
    }

    /// Merges `other` into this node: properties replace, children with the same name merge.
    mutating func merge(_ other: DeviceTreeNode) {
        labels += other.labels.filter { !labels.contains($0) }
        properties.removeAll { other.deletedProperties.contains($0.name) }
        for property in other.properties {
            properties.removeAll { $0.name == property.name }
            properties.append(property)
        }
        for child in other.children {
            if let index = children.firstIndex(where: { $0.name == child.name }) {
                children[index].merge(child)
            } else {
                children.append(child)
            }
        }
    }
}

/// `name = value, value;` or `name;`.
public struct DeviceTreeProperty: Sendable, Equatable {
    public var name: String
    public var values: [DeviceTreeValue]
}

/// One comma-separated piece of a property value.
public enum DeviceTreeValue: Sendable, Equatable {
    case string(String)
    case cells([DeviceTreeCell])
    case bytes([UInt8])
    case reference(String)
}

/// One cell inside `< … >`.
public enum DeviceTreeCell: Sendable, Equatable {
    case number(UInt64)
    /// `&label`.
    case reference(String)
    /// A macro or an expression the importer does not evaluate (`GPIO_ACTIVE_LOW`).
    case symbol(String)

    public var number: UInt64? {
        if case let .number(value) = self { return value }
        return nil
    }
}
