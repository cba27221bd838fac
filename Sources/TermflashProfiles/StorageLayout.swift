/// One flash chip of a device and its partition table.
public struct StorageLayout: Sendable, Encodable, Equatable {
    /// The kind of flash.
    public enum FlashType: String, CaseIterable, Sendable, Codable {
        /// Raw NAND.
        case nand
        /// SPI NOR flash.
        case spiNOR = "spi-nor"
        /// eMMC.
        case emmc
        /// UFS.
        case ufs
        /// A virtio block disk (qemu's `virt` machine), addressed in 512-byte blocks.
        case virtio
    }

    /// A name for the chip when a device has several, e.g. `nor`; defaults to the type.
    public var name: String
    /// The kind of flash.
    public var type: FlashType
    /// Logical sector size in bytes (eMMC, UFS).
    public var sectorSize: Int?
    /// NAND page size in bytes.
    public var pageSize: Int?
    /// Erase block size in bytes; partitions must be aligned to it.
    public var eraseBlockSize: Int?
    /// The chip's size in bytes.
    public var sizeBytes: Int?
    /// The top-level partitions, sorted by offset.
    public var partitions: [FlashPartition]

    /// Creates a storage layout.
    public init(name: String? = nil, type: FlashType, sectorSize: Int? = nil, pageSize: Int? = nil,
                eraseBlockSize: Int? = nil, sizeBytes: Int? = nil, partitions: [FlashPartition] = []) {
        self.name = name ?? type.rawValue
        self.type = type
        self.sectorSize = sectorSize
        self.pageSize = pageSize
        self.eraseBlockSize = eraseBlockSize
        self.sizeBytes = sizeBytes
        self.partitions = partitions
    }

    /// The partition with this name at any depth.
    public func partition(named name: String) -> FlashPartition? {
        for partition in partitions {
            if let found = partition.find(name) { return found }
        }
        return nil
    }
}
