import TermflashCore

/// One device model as described by a `DeviceProfiles/<vendor>/<model>.yaml` file.
public struct DeviceProfile: Sendable, Encodable, Equatable {
    /// What sort of product a profile describes.
    public enum Kind: String, CaseIterable, Sendable, Codable {
        /// A USB modem stick.
        case modem
        /// A battery-powered mobile hotspot.
        case hotspot
        /// A router reached over Ethernet or a serial console.
        case router
        /// Not one model: a chipset mode shared by many devices.
        case generic
    }

    /// How termflash talks to the device to flash it.
    public enum ProtocolFamily: String, CaseIterable, Sendable, Codable {
        /// Qualcomm emergency download: Sahara and Firehose.
        case qualcommEDL = "qualcomm-edl"
        /// Qualcomm DIAG and legacy DLOAD, HDLC-framed.
        case qualcommHDLC = "qualcomm-hdlc"
        /// ZTE's ZXIC (Sanechips) download protocol.
        case zxic
        /// A U-Boot serial console.
        case uboot
    }

    /// The only schema version this build reads.
    public static let schemaVersion = 1

    /// Unique lower-case id, e.g. `mf823`.
    public var id: String
    /// Manufacturer, e.g. `ZTE`.
    public var vendor: String
    /// Model name, e.g. `MF823`.
    public var model: String
    /// Product category.
    public var kind: Kind
    /// System-on-chip, e.g. `ipq4019`.
    public var chipset: String?
    /// Flashing protocol family.
    public var protocolFamily: ProtocolFamily
    /// Free text for people.
    public var description: String?
    /// The USB identities the device shows in its modes.
    public var identities: [ProfileIdentity]
    /// How to move the device from one mode to another.
    public var modeSwitches: [ModeSwitch]
    /// Serial console of the boot loader, for routers.
    public var console: ConsoleSettings?
    /// Flash chips and their partition tables.
    public var storage: [StorageLayout]
    /// Carrier or region variants and how to recognise their firmware.
    public var variants: [ProfileVariant]
    /// NV items a later feature may write; never identity items.
    public var nvWriteAllowList: [Int]
    /// The file the profile was read from.
    public var sourcePath: String

    /// Creates a profile; loading from YAML is done by `ProfileLibrary`.
    public init(id: String, vendor: String, model: String, kind: Kind, chipset: String? = nil,
                protocolFamily: ProtocolFamily, description: String? = nil,
                identities: [ProfileIdentity] = [], modeSwitches: [ModeSwitch] = [],
                console: ConsoleSettings? = nil, storage: [StorageLayout] = [],
                variants: [ProfileVariant] = [], nvWriteAllowList: [Int] = [], sourcePath: String = "") {
        self.id = id
        self.vendor = vendor
        self.model = model
        self.kind = kind
        self.chipset = chipset
        self.protocolFamily = protocolFamily
        self.description = description
        self.identities = identities
        self.modeSwitches = modeSwitches
        self.console = console
        self.storage = storage
        self.variants = variants
        self.nvWriteAllowList = nvWriteAllowList
        self.sourcePath = sourcePath
    }

    /// `vendor model`, e.g. `ZTE MF823`.
    public var displayName: String { "\(vendor) \(model)" }

    /// The profile identity with this USB id, if the device uses it.
    public func identity(_ usb: USBIdentity) -> ProfileIdentity? {
        identities.first { $0.usb == usb }
    }

    /// The mode switches that leave `mode`.
    public func modeSwitches(from mode: DeviceMode) -> [ModeSwitch] {
        modeSwitches.filter { $0.from == mode }
    }
}
