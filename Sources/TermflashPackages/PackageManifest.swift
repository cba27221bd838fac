import Foundation

/// What a firmware package holds and whom it is for: the `manifest.json` member, whose exact
/// bytes the package's Ed25519 signature covers.
public struct PackageManifest: Codable, Sendable, Equatable {
    /// The only manifest format this build reads.
    public static let currentFormatVersion = 1

    /// Manifest format; a reader refuses versions it does not know.
    public var formatVersion: Int
    /// Stable package name, e.g. `mf286d-openwrt`.
    public var id: String
    /// Release version for people, e.g. `23.05.3` or ZTE's `BD_TELIASEMF286DV1.0.0B05`.
    public var version: String
    /// Anti-rollback index: a unit that ran index N refuses packages below N.
    public var antiRollbackIndex: UInt32
    /// Device profile ids the package is made for (at least one).
    public var profiles: [String]
    /// Hardware revisions it runs on; empty means every revision of the profiles.
    public var hardwareRevisions: [String]
    /// Region/branding (CSC) variant ids of the profile the firmware belongs to, e.g. `telia-se`.
    public var variants: [String]
    /// The version string the device reports once this firmware runs (for `identify` and `rebrand`).
    public var firmwareVersion: String?
    /// The images, in the order they are stored and written.
    public var images: [PackageImage]
    /// How the package is best flashed (backend, storage type).
    public var protocolHints: ProtocolHints?

    /// A manifest.
    public init(id: String, version: String, antiRollbackIndex: UInt32 = 0, profiles: [String],
                hardwareRevisions: [String] = [], variants: [String] = [], firmwareVersion: String? = nil,
                images: [PackageImage], protocolHints: ProtocolHints? = nil) {
        formatVersion = Self.currentFormatVersion
        self.id = id
        self.version = version
        self.antiRollbackIndex = antiRollbackIndex
        self.profiles = profiles
        self.hardwareRevisions = hardwareRevisions
        self.variants = variants
        self.firmwareVersion = firmwareVersion
        self.images = images
        self.protocolHints = protocolHints
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        id = try container.decode(String.self, forKey: .id)
        version = try container.decode(String.self, forKey: .version)
        antiRollbackIndex = try container.decodeIfPresent(UInt32.self, forKey: .antiRollbackIndex) ?? 0
        profiles = try container.decode([String].self, forKey: .profiles)
        hardwareRevisions = try container.decodeIfPresent([String].self, forKey: .hardwareRevisions) ?? []
        variants = try container.decodeIfPresent([String].self, forKey: .variants) ?? []
        firmwareVersion = try container.decodeIfPresent(String.self, forKey: .firmwareVersion)
        images = try container.decode([PackageImage].self, forKey: .images)
        protocolHints = try container.decodeIfPresent(ProtocolHints.self, forKey: .protocolHints)
    }

    /// The JSON keys a manifest may have; any other is refused.
    static let knownKeys: Set<String> = ["formatVersion", "id", "version", "antiRollbackIndex", "profiles",
                                         "hardwareRevisions", "variants", "firmwareVersion", "images", "protocolHints"]
}

/// One image of a package: which partition it goes to and how to check it.
public struct PackageImage: Codable, Sendable, Equatable {
    /// How the stored member encodes the bytes to write.
    public enum Compression: String, Codable, Sendable, CaseIterable {
        /// Stored as written.
        case none
    }

    /// Target partition, by the name the device profile gives it (`rootfs`, `0:APPSBL`, `modem`).
    public var partition: String
    /// Member path inside the package, e.g. `images/rootfs.ubi`.
    public var file: String
    /// Length of the member as stored: the bytes written for a plain image, the delta file for a delta.
    public var size: UInt64
    /// Lower-case hex SHA-256 of the member as stored (checked while the package streams by).
    public var sha256: String
    /// Encoding of the stored member.
    public var compression: Compression
    /// For a delta image: the partition content it applies to.
    public var deltaBase: DeltaBase?

    /// An image entry.
    public init(partition: String, file: String, size: UInt64, sha256: String, compression: Compression = .none,
                deltaBase: DeltaBase? = nil) {
        self.partition = partition
        self.file = file
        self.size = size
        self.sha256 = sha256
        self.compression = compression
        self.deltaBase = deltaBase
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        partition = try container.decode(String.self, forKey: .partition)
        file = try container.decode(String.self, forKey: .file)
        size = try container.decode(UInt64.self, forKey: .size)
        sha256 = try container.decode(String.self, forKey: .sha256)
        let compressionName = try container.decodeIfPresent(String.self, forKey: .compression) ?? "none"
        guard let compression = Compression(rawValue: compressionName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .compression, in: container,
                debugDescription: "unknown compression '\(compressionName)'; this build reads: "
                    + Compression.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.compression = compression
        deltaBase = try container.decodeIfPresent(DeltaBase.self, forKey: .deltaBase)
    }

    /// The JSON keys an image entry may have.
    static let knownKeys: Set<String> = ["partition", "file", "size", "sha256", "compression", "deltaBase"]
}

/// The partition content a delta image was computed against: the delta applies only when the
/// partition's first `size` bytes have this SHA-256.
public struct DeltaBase: Codable, Sendable, Equatable {
    /// Lower-case hex SHA-256 of the base content.
    public var sha256: String
    /// Length of the base content in bytes.
    public var size: UInt64

    /// A delta base.
    public init(sha256: String, size: UInt64) {
        self.sha256 = sha256
        self.size = size
    }

    /// The JSON keys a delta base may have.
    static let knownKeys: Set<String> = ["sha256", "size"]
}

/// How a package prefers to be flashed; `termflash flash` options override each hint.
public struct ProtocolHints: Codable, Sendable, Equatable {
    /// Flash backend name (`edl`, `streaming-dload`, `uboot`, `disk`).
    public var backend: String?
    /// Storage type for Firehose (`emmc`, `ufs`, `nand`, `spinor`).
    public var memory: String?

    /// Hints.
    public init(backend: String? = nil, memory: String? = nil) {
        self.backend = backend
        self.memory = memory
    }

    /// The JSON keys hints may have.
    static let knownKeys: Set<String> = ["backend", "memory"]
}
