/// The flash layout of a device tree, as a router profile needs it: one chip per flash
/// node with `fixed-partitions`, partitions by `reg` (nested ones too), read-only flags,
/// and `mtd-concat` devices mapped back onto the partitions they join.
public struct DeviceTreeImport: Sendable {
    /// A virtual MTD device joining partitions (`ubi-concat`), and where its own partitions lie.
    public struct Concatenation: Sendable, Equatable {
        public var name: String
        /// The joined partitions, in order.
        public var members: [String]
        public var partitions: [ConcatenatedPartition]
    }

    /// A partition of a concatenation, and the member ranges holding it.
    public struct ConcatenatedPartition: Sendable, Equatable {
        public var name: String
        public var offset: UInt64
        public var size: UInt64
        public var pieces: [Piece]
    }

    /// `length` bytes at `offset` of member partition `member`.
    public struct Piece: Sendable, Equatable {
        public var member: String
        public var offset: UInt64
        public var length: UInt64

        public init(member: String, offset: UInt64, length: UInt64) {
            self.member = member
            self.offset = offset
            self.length = length
        }
    }

    /// `model = "…"`.
    public var model: String?
    /// The root's `compatible`, e.g. `zte,mf286`, `qca,qca9563`.
    public var compatible: [String]
    public var storage: [StorageLayout]
    public var concatenations: [Concatenation]
    /// Things a person should check (node names that disagree with `reg`, missing includes…).
    public var warnings: [String]
    /// Node labels (`ubiconcat0:`) of imported partitions, to their partition names.
    private var partitionLabels: [String: String] = [:]

    /// Imports the tree at `path`.
    public static func load(file path: String) throws -> DeviceTreeImport {
        try DeviceTreeImport(try DeviceTreeParser.parse(file: path))
    }

    /// Imports a parsed tree.
    public init(_ parsed: DeviceTreeParser) throws {
        let root = parsed.root
        model = root.strings("model").first
        compatible = root.strings("compatible")
        warnings = parsed.missingIncludes.filter { $0.hasSuffix(".dtsi") }.map { "include \"\($0)\" was not found; nodes it defines are missing" }
        storage = []
        concatenations = []
        var chips: [(node: DeviceTreeNode, type: StorageLayout.FlashType)] = []
        Self.visit(root) { node in
            if let type = Self.flashType(of: node), Self.partitionContainer(of: node) != nil { chips.append((node, type)) }
        }
        var typeCounts: [StorageLayout.FlashType: Int] = [:]
        for (node, type) in chips { typeCounts[type, default: 0] += 1 }
        var used: [StorageLayout.FlashType: Int] = [:]
        for (node, type) in chips {
            let base = type == .spiNOR ? "nor" : type.rawValue
            let index = used[type, default: 0]
            used[type] = index + 1
            let name = typeCounts[type, default: 0] > 1 ? "\(base)\(index)" : base
            let partitions = try partitions(in: node, chip: name)
            storage.append(StorageLayout(name: name, type: type, partitions: partitions))
        }
        Self.visit(root) { node in
            if node.strings("compatible").contains("mtd-concat") { concatenations.append(concatenation(node)) }
        }
        annotateConcatenations()
    }

    // MARK: Chips and partitions

    static func flashType(of node: DeviceTreeNode) -> StorageLayout.FlashType? {
        let compatible = node.strings("compatible")
        if compatible.contains("mtd-concat") { return nil }
        if compatible.contains(where: { $0.contains("spi-nor") || $0 == "jedec,spi-nor" }) { return .spiNOR }
        if compatible.contains(where: { $0.contains("nand") }) || node.baseName.contains("nand") { return .nand }
        if node.baseName == "flash" || node.baseName.hasPrefix("flash") { return .spiNOR }
        return nil
    }

    /// The node holding a chip's partitions: its `partitions` child, or the chip itself
    /// when partitions sit directly under it (older trees).
    static func partitionContainer(of node: DeviceTreeNode) -> DeviceTreeNode? {
        if let child = node.children.first(where: { $0.baseName == "partitions" }) { return child }
        return node.children.contains { $0.baseName == "partition" } ? node : nil
    }

    private mutating func partitions(in chip: DeviceTreeNode, chip name: String) throws -> [FlashPartition] {
        guard let container = Self.partitionContainer(of: chip) else { return [] }
        return try partitions(of: container, path: name)
    }

    private mutating func partitions(of container: DeviceTreeNode, path: String) throws -> [FlashPartition] {
        let addressCells = Int(container.cells("#address-cells").first?.number ?? 1)
        let sizeCells = Int(container.cells("#size-cells").first?.number ?? 1)
        var result: [FlashPartition] = []
        for node in container.children where Self.isPartition(node) {
            let reg = node.cells("reg").compactMap(\.number)
            guard reg.count >= addressCells + sizeCells else {
                warnings.append("\(path)/\(node.name): no usable reg (\(reg.count) numeric cells); skipped")
                continue
            }
            let offset = Self.combine(reg.prefix(addressCells))
            let size = Self.combine(reg.dropFirst(addressCells).prefix(sizeCells))
            let name = node.strings("label").first ?? node.baseName
            for label in node.labels { partitionLabels[label] = name }
            var note: String?
            if let unit = node.unitAddress, unit != offset {
                warnings.append("\(path)/\(node.name) (\(name)): the node name says 0x\(String(unit, radix: 16)) but reg says 0x\(String(offset, radix: 16)); reg is used")
                note = "DTS node \(node.name) has reg 0x\(String(offset, radix: 16))"
            }
            let nested = Self.nestedContainer(of: node).map { try? partitions(of: $0, path: "\(path)/\(name)") } ?? nil
            result.append(FlashPartition(name: name, offset: Int(offset), size: Int(size), readOnly: node.has("read-only"),
                                         note: note, partitions: nested ?? []))
        }
        return result.sorted { $0.offset < $1.offset }
    }

    /// Partition nodes are `partition@…` or any child with `reg` and a `label`; NVMEM cells
    /// (`nvmem-layout`, `cal@1000`, `macaddr@0`) are not.
    static func isPartition(_ node: DeviceTreeNode) -> Bool {
        if node.baseName == "partition" { return true }
        return node.has("reg") && node.has("label") && !node.has("compatible")
    }

    /// A partition's own sub-partitions: a `partitions` child with `fixed-partitions`, or
    /// `partition@` children directly.
    static func nestedContainer(of node: DeviceTreeNode) -> DeviceTreeNode? {
        if let child = node.children.first(where: { $0.baseName == "partitions" }),
           child.strings("compatible").contains("fixed-partitions") { return child }
        return node.children.contains { $0.baseName == "partition" } ? node : nil
    }

    private static func combine(_ cells: ArraySlice<UInt64>) -> UInt64 {
        cells.reduce(0) { $0 << 32 | ($1 & 0xFFFF_FFFF) }
    }

    // MARK: Concatenations

    private func concatenation(_ node: DeviceTreeNode) -> Concatenation {
        let references = (node.property("devices") ?? []).flatMap { value -> [String] in
            if case let .cells(cells) = value { return cells.compactMap { if case let .reference(label) = $0 { return label } else { return nil } } }
            if case let .reference(label) = value { return [label] }
            return []
        }
        let members = references.map { label in memberName(label) ?? label }
        let sizes: [UInt64] = members.map { member in UInt64(partition(named: member)?.size ?? 0) }
        let container = Self.partitionContainer(of: node)
        let inner = (container?.children ?? []).filter(Self.isPartition).compactMap { child -> ConcatenatedPartition? in
            let reg = child.cells("reg").compactMap(\.number)
            guard reg.count >= 2 else { return nil }
            let name = child.strings("label").first ?? child.baseName
            return ConcatenatedPartition(name: name, offset: reg[0], size: reg[1],
                                         pieces: Self.pieces(offset: reg[0], size: reg[1], members: members, sizes: sizes))
        }
        return Concatenation(name: node.baseName, members: members, partitions: inner)
    }

    /// Splits a range of the concatenation over its members.
    static func pieces(offset: UInt64, size: UInt64, members: [String], sizes: [UInt64]) -> [Piece] {
        var pieces: [Piece] = []
        var start: UInt64 = 0
        for (member, length) in zip(members, sizes) {
            let end = start + length
            let from = max(offset, start), to = min(offset + size, end)
            if from < to { pieces.append(Piece(member: member, offset: from - start, length: to - from)) }
            start = end
        }
        return pieces
    }

    /// The partition name a `&label` points at (the node's `label` property).
    private func memberName(_ label: String) -> String? {
        partitionLabels[label]
    }

    private func partition(named name: String) -> FlashPartition? {
        storage.lazy.compactMap { $0.partition(named: name) }.first
    }

    private mutating func annotateConcatenations() {
        for concatenation in concatenations {
            let total = concatenation.partitions.map(\.name).joined(separator: ", ")
            for (index, member) in concatenation.members.enumerated() {
                let text = "part \(index + 1) of \(concatenation.members.count) of mtd-concat '\(concatenation.name)' (\(concatenation.members.joined(separator: " + ")))"
                    + (total.isEmpty ? "" : ", which holds \(total)")
                for chip in storage.indices {
                    storage[chip].partitions = Self.annotate(storage[chip].partitions, member: member, note: text)
                }
            }
        }
    }

    private static func annotate(_ partitions: [FlashPartition], member: String, note: String) -> [FlashPartition] {
        partitions.map { partition in
            var copy = partition
            if copy.name == member { copy.note = [copy.note, note].compactMap { $0 }.joined(separator: "; ") }
            copy.partitions = annotate(copy.partitions, member: member, note: note)
            return copy
        }
    }

    static func visit(_ node: DeviceTreeNode, _ body: (DeviceTreeNode) -> Void) {
        body(node)
        node.children.forEach { visit($0, body) }
    }
}
