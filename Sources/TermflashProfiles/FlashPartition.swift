/// A named byte range of a flash chip; nested partitions are relative to their parent.
public struct FlashPartition: Sendable, Encodable, Equatable {
    /// The partition name, e.g. `0:APPSBL`.
    public var name: String
    /// Offset in bytes from the start of the chip (or of the parent partition).
    public var offset: Int
    /// Size in bytes.
    public var size: Int
    /// Whether termflash must never write it.
    public var readOnly: Bool
    /// Free text for people.
    public var note: String?
    /// Partitions inside this one.
    public var partitions: [FlashPartition]

    /// Creates a partition.
    public init(name: String, offset: Int, size: Int, readOnly: Bool = false, note: String? = nil,
                partitions: [FlashPartition] = []) {
        self.name = name
        self.offset = offset
        self.size = size
        self.readOnly = readOnly
        self.note = note
        self.partitions = partitions
    }

    /// The first byte past the partition.
    public var end: Int { offset + size }

    /// This partition or a nested one with the given name.
    func find(_ wanted: String) -> FlashPartition? {
        if name == wanted { return self }
        for child in partitions {
            if let found = child.find(wanted) { return found }
        }
        return nil
    }
}
