import Logging
import TermflashCore
import TermflashEngine
import TermflashPackages
import TermflashProfiles

/// What `termflash flash` was asked to do, as every backend sees it.
struct FlashRequest {
    /// Positional inputs: a rawprogram folder or zip, an image, a package.
    var inputs: [String]
    /// The device profile (`--profile`, or the one matching the selected device).
    var profile: DeviceProfile?
    var library: ProfileLibrary
    var selection: DeviceSelection
    /// `--programmer FILE` (Sahara), or the DLOAD/Streaming DLOAD programmer.
    var programmer: String?
    /// `--partition NAME` for single-image inputs.
    var partitions: [String]
    /// `--unlock-partition NAME`: read-only partitions the user allows writing (after a backup).
    var unlockedPartitions: [String]
    /// `--memory emmc|ufs|nand|spinor` (Firehose storage type).
    var memory: String?
    var baud: Int
    /// Where backups go.
    var backupDirectory: String
    /// `--backup`: back up every region before writing it.
    var backupEverything: Bool
    /// `--disk PATH`: a block device or disk image written directly.
    var disk: String?
    /// `--override-partition-table`: a NAND partition table may replace a different one.
    var overridePartitionTable = false
    /// The inputs that are images (package members, OpenWrt bodies, raw files), already
    /// verified — signature, size, SHA-256 — and guarded, each with its partition (`nil`: the
    /// whole device). A backend that writes partitions plans from these; rawprogram sets stay
    /// in `inputs` for the backend that reads them.
    var images: [FlashInputResolver.Image] = []
    /// The packages among the inputs (their manifests' protocol hints, for the ledger).
    var packages: [VerifiedPackage] = []
    /// What is known about the unit (profile, hardware revision, variant, anti-rollback index).
    var unit = UnitFacts()
    /// How the unit is named in the ledger.
    var unitKey: String?
    /// `--skip-unchanged`: backends with device digests also skip unchanged chunks inside a region.
    var skipUnchanged = false

    /// The backend a package's manifest suggests.
    var backendHint: String? { packages.lazy.compactMap { $0.manifest.protocolHints?.backend }.first }
}

/// An open device a plan can run against, and how to read the plan's images.
struct FlashSession {
    let target: FlashTarget
    let resolver: SourceResolver
    /// Closes the device (and the recording, or checks the replay is finished).
    let close: () throws -> Void
    /// Gives regions planned by label alone (``FlashRegion/isLabelOnly``) their place on the
    /// unit, once its partition table is known.
    var place: (UpdatePlan) throws -> UpdatePlan = { $0 }
}

/// One protocol family's way into `termflash flash`: it turns the request into a plan
/// without touching the device, and opens the device ready to flash.
protocol FlashBackend {
    /// The name used with `--backend` and stored in journals: `edl`, `streaming-dload`, `uboot`.
    static var name: String { get }
    /// One line for `flash --help`.
    static var summary: String { get }
    /// Whether this backend can take the request (profile family, shape of the inputs).
    static func accepts(_ request: FlashRequest) -> Bool
    /// The plan, built without touching the device.
    static func plan(for request: FlashRequest) throws -> UpdatePlan
    /// Opens the device ready to flash (programmer uploaded, console interrupted…).
    static func open(for request: FlashRequest, transports: TransportFactory, logger: Logger) throws -> FlashSession
    /// For `--dry-run`: the device commands each plan step sends (one list per step; empty
    /// lists when the backend has nothing to show beyond the step).
    static func consoleCommands(for plan: UpdatePlan, request: FlashRequest) throws -> [[String]]
}

extension FlashBackend {
    static func consoleCommands(for plan: UpdatePlan, request: FlashRequest) throws -> [[String]] { [] }
}

/// The backends `termflash flash` knows; each protocol family adds its own here.
enum FlashBackends {
    static let all: [any FlashBackend.Type] = [DiskBackend.self, EDLBackend.self, UBootBackend.self, StreamingDLoadBackend.self]

    /// The backend named `name`, or the first that accepts the request.
    static func choose(named name: String?, for request: FlashRequest) throws -> any FlashBackend.Type {
        if let name {
            guard let backend = all.first(where: { $0.name == name }) else {
                throw FlashCommandError.unknownBackend(name, known: all.map { $0.name })
            }
            return backend
        }
        guard let backend = all.first(where: { $0.accepts(request) }) else {
            throw FlashCommandError.noBackend(inputs: request.inputs, profile: request.profile?.id, known: all.map { $0.name })
        }
        return backend
    }
}

/// `termflash flash` could not start.
enum FlashCommandError: ActionableError {
    case unknownBackend(String, known: [String])
    case noBackend(inputs: [String], profile: String?, known: [String])
    case journalWithoutBackend(path: String)

    var exitStatus: ExitStatus { .usage }

    var description: String {
        switch self {
        case let .unknownBackend(name, known):
            return "no flash backend '\(name)'; available: " + (known.isEmpty ? "none" : known.joined(separator: ", "))
        case let .noBackend(inputs, profile, known):
            return "no flash backend takes \(inputs.joined(separator: " "))" + (profile.map { " for profile \($0)" } ?? "")
                + "; available: " + (known.isEmpty ? "none" : known.joined(separator: ", "))
        case let .journalWithoutBackend(path):
            return "\(path) does not say which backend made the plan"
        }
    }

    var advice: String? {
        switch self {
        case .journalWithoutBackend: return "name it with --backend"
        default: return "name the device's profile with --profile, or the backend with --backend"
        }
    }
}
