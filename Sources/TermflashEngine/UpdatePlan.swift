import TermflashCore

/// What an update will do, built from a package, a device profile and the user's flags
/// before the device is touched. `--dry-run` prints it; the journal stores it for resume.
public struct UpdatePlan: Sendable, Codable {
    /// A stable name: the package id, or one derived from the inputs.
    public var id: String
    /// What the plan is for (`zte-mf286d partition firmware`, `rawprogram set of 3 LUNs`).
    public var summary: String
    /// The steps, in order.
    public var steps: [PlanStep]
    /// What happens to the device at the end.
    public var finish: FinishAction
    /// The flash backend that made the plan (`edl`, `streaming-dload`, `uboot`), so
    /// `--resume` reopens the device the same way.
    public var backend: String?

    /// A plan.
    public init(id: String, summary: String, steps: [PlanStep], finish: FinishAction = .reset, backend: String? = nil) {
        self.id = id
        self.summary = summary
        self.steps = steps
        self.finish = finish
        self.backend = backend
    }

    /// The write steps.
    public var writes: [PlanStep] { steps.filter { $0.kind == .write } }
}

/// One step of a plan.
public struct PlanStep: Sendable, Codable {
    /// What the step does.
    public enum Kind: String, Sendable, Codable {
        /// Read `region` to `backupFile` before anything changes (PRE_UPDATING).
        case backup
        /// Write `image` to `region` (UPDATING), then check it (VERIFY_POST).
        case write
        /// Erase `region`.
        case erase
        /// A protocol-specific step (`command`).
        case command
    }

    public var kind: Kind
    public var region: FlashRegion?
    public var image: ImageReference?
    public var backupFile: String?
    public var command: TargetCommand?

    /// A backup of `region` into `file`.
    public static func backup(_ region: FlashRegion, to file: String) -> PlanStep {
        PlanStep(kind: .backup, region: region, image: nil, backupFile: file, command: nil)
    }

    /// A write of `image` to `region`.
    public static func write(_ image: ImageReference, to region: FlashRegion) -> PlanStep {
        PlanStep(kind: .write, region: region, image: image, backupFile: nil, command: nil)
    }

    /// An erase of `region`.
    public static func erase(_ region: FlashRegion) -> PlanStep {
        PlanStep(kind: .erase, region: region, image: nil, backupFile: nil, command: nil)
    }

    /// A protocol-specific step.
    public static func command(_ command: TargetCommand) -> PlanStep {
        PlanStep(kind: .command, region: nil, image: nil, backupFile: nil, command: command)
    }

    /// One line for `--dry-run` and reports.
    public var description: String {
        switch kind {
        case .backup: return "backup \(region.map(String.init(describing:)) ?? "?") -> \(backupFile ?? "?")"
        case .write:
            return "write \(image.map(String.init(describing:)) ?? "?") -> \(region.map(String.init(describing:)) ?? "?")"
        case .erase: return "erase \(region.map(String.init(describing:)) ?? "?")"
        case .command: return "\(command.map(String.init(describing:)) ?? "?")"
        }
    }
}

/// An image a write step takes its bytes from, with the digest it must have.
public struct ImageReference: Sendable, Codable, Hashable, CustomStringConvertible {
    /// How the file encodes the bytes to write.
    public enum Format: String, Sendable, Codable {
        /// The bytes as they go on the device.
        case raw
        /// An Android sparse image, expanded while it is written.
        case sparse
        /// A delta against the region's current content.
        case delta
    }

    /// The file.
    public var path: String
    public var format: Format
    /// Where the image starts inside the file (a package member), and its stored length.
    public var offset: UInt64
    public var length: UInt64
    /// Lower-case hex SHA-256 of the bytes to write (after expansion), when known.
    public var sha256: String?
    /// For a sparse image written in parts (its DONT_CARE runs left out): where this part
    /// starts in the expanded image; `length` is then the part's length.
    public var expandedOffset: UInt64?

    /// An image reference.
    public init(path: String, format: Format = .raw, offset: UInt64 = 0, length: UInt64, sha256: String? = nil) {
        self.path = path
        self.format = format
        self.offset = offset
        self.length = length
        self.sha256 = sha256
    }

    public var description: String {
        "\(path)" + (format == .raw ? "" : " (\(format.rawValue))")
            + (expandedOffset.map { " expanded bytes \($0)..<\($0 + length)" } ?? " \(length) bytes")
    }
}
