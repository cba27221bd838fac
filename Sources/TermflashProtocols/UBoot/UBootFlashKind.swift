/// The flash command families of U-Boot.
public enum UBootFlashKind: String, Sendable, Codable, CaseIterable {
    /// `nand erase` / `nand write` / `nand read`.
    case nand
    /// `sf probe` / `sf erase` / `sf write` / `sf read`.
    case spiNOR = "spi-nor"
    /// `mmc dev` / `mmc write` / `mmc read`, in 512-byte blocks.
    case emmc
    /// `virtio write` / `virtio read`, in 512-byte blocks (qemu's virtio-blk disk).
    case virtio

    /// Whether offsets and lengths are counted in 512-byte blocks.
    public var countsBlocks: Bool { self == .emmc || self == .virtio }

    /// The value an erased byte reads as.
    public var erasedValue: UInt8 { countsBlocks ? 0x00 : 0xFF }
}
