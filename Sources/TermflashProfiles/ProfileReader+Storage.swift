extension ProfileReader {
    static let storageKeys = ["name", "type", "sectorSize", "pageSize", "eraseBlockSize", "sizeBytes", "partitions"]
    static let partitionKeys = ["name", "offset", "size", "readOnly", "note", "partitions"]

    /// The bounds partitions at one level must respect.
    private struct Container {
        let description: String
        let size: Int?
        let eraseBlockSize: Int?
    }

    /// `storage`: one flash chip as a mapping, or several as a list.
    func readStorage(_ map: FieldMap) -> [StorageLayout] {
        guard let field = map["storage"] else { return [] }
        let items: [YAMLField]
        if case .sequence = field.node {
            items = sequence(field) ?? []
        } else {
            items = [field]
        }
        let layouts = items.compactMap { item in readStorageLayout(item).map { (value: $0, field: item) } }
        var seen: [String: String] = [:]
        for (layout, item) in layouts {
            if let first = seen[layout.name] {
                report(item.path(ofKey: "name"), line: item.line,
                       "storage name '\(layout.name)' is already used at \(first); give each chip a distinct name")
            }
            seen[layout.name] = seen[layout.name] ?? item.path
        }
        return layouts.map(\.value)
    }

    private func readStorageLayout(_ field: YAMLField) -> StorageLayout? {
        guard let map = mapping(field, known: Self.storageKeys) else { return nil }
        let name = optional(map, "name", nonEmptyString)
        let type = required(map, "type") { choice($0, StorageLayout.FlashType.self) }
        let sector = optional(map, "sectorSize", positive)
        let page = optional(map, "pageSize", positive)
        let eraseBlock = optional(map, "eraseBlockSize", positive)
        let size = optional(map, "sizeBytes", positive)
        let chip = "the chip" + (size.map { " (sizeBytes \(hex($0)))" } ?? "")
        let partitions = readPartitions(map, in: Container(description: chip, size: size, eraseBlockSize: eraseBlock))
        guard let type else { return nil }
        return StorageLayout(name: name, type: type, sectorSize: sector, pageSize: page,
                             eraseBlockSize: eraseBlock, sizeBytes: size, partitions: partitions)
    }

    private func readPartitions(_ map: FieldMap, in container: Container) -> [FlashPartition] {
        let entries = list(map, "partitions") { readPartition($0, eraseBlockSize: container.eraseBlockSize) }
        checkOverlaps(entries)
        if let limit = container.size {
            for (partition, field) in entries where partition.end > limit {
                report(field.path(ofKey: "size"), line: field.line, "partition '\(partition.name)' ends at "
                    + "\(hex(partition.end)), past the end of \(container.description); fix its offset or size")
            }
        }
        return entries.map(\.value).sorted { $0.offset < $1.offset }
    }

    private func readPartition(_ field: YAMLField, eraseBlockSize: Int?) -> FlashPartition? {
        guard let map = mapping(field, known: Self.partitionKeys) else { return nil }
        let name = required(map, "name", nonEmptyString)
        let offset = required(map, "offset") { integer($0) }
        let size = required(map, "size", positive)
        let readOnly = optional(map, "readOnly", bool) ?? false
        let note = optional(map, "note", string)
        if let name { checkUniqueName(name, field: field) }
        if let eraseBlockSize { checkAlignment(map, eraseBlockSize: eraseBlockSize) }
        let parent = Container(description: "partition '\(name ?? "?")'" + (size.map { " (size \(hex($0)))" } ?? ""),
                               size: size, eraseBlockSize: eraseBlockSize)
        let children = readPartitions(map, in: parent)
        guard let name, let offset, let size else { return nil }
        return FlashPartition(name: name, offset: offset, size: size, readOnly: readOnly, note: note,
                              partitions: children)
    }

    private func checkOverlaps(_ entries: [(value: FlashPartition, field: YAMLField)]) {
        var furthest: FlashPartition?
        for (partition, field) in entries.sorted(by: { $0.value.offset < $1.value.offset }) {
            if let previous = furthest, partition.offset < previous.end {
                report(field.path(ofKey: "offset"), line: field.line, "partition '\(partition.name)' "
                    + "(\(range(partition))) overlaps '\(previous.name)' (\(range(previous))); "
                    + "fix its offset or the size of '\(previous.name)'")
            }
            if partition.end > furthest?.end ?? -1 { furthest = partition }
        }
    }

    private func checkUniqueName(_ name: String, field: YAMLField) {
        if let first = partitionNames[name] {
            report(field.path(ofKey: "name"), line: field.line,
                   "partition name '\(name)' is already used at \(first); partition names must be unique")
        } else {
            partitionNames[name] = field.path
        }
    }

    private func checkAlignment(_ map: FieldMap, eraseBlockSize: Int) {
        for key in ["offset", "size"] {
            guard let field = map[key], let value = Self.parseInteger(field.node.string ?? ""),
                  value % eraseBlockSize != 0 else { continue }
            report(field, "\(hex(value)) is not a multiple of eraseBlockSize (\(hex(eraseBlockSize))); "
                + "align it to an erase block")
        }
    }

    private func positive(_ field: YAMLField) -> Int? {
        integer(field, range: 1...Int.max)
    }

    private func hex(_ value: Int) -> String {
        "0x" + String(value, radix: 16)
    }

    private func range(_ partition: FlashPartition) -> String {
        "\(hex(partition.offset))–\(hex(partition.end))"
    }
}
