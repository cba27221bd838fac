import Foundation

/// What termflash last installed on each unit (by USB serial or disk path): package id,
/// version, anti-rollback index, variant. It is how a unit's anti-rollback index is known when
/// the device cannot tell (default `$XDG_STATE_HOME/termflash/units.json`).
public struct UnitLedger {
    /// One unit's record.
    public struct Record: Codable, Sendable, Equatable {
        public var packageID: String
        public var version: String
        public var antiRollbackIndex: UInt32
        public var variant: String?
        public var hardwareRevision: String?
        public var updated: String
    }

    public let path: String

    /// The ledger at `path`.
    public init(path: String) { self.path = path }

    /// The ledger `--ledger` names, or the default.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> UnitLedger {
        if let option { return UnitLedger(path: option) }
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        return UnitLedger(path: state + "/termflash/units.json")
    }

    /// Every record; a missing file is an empty ledger, a damaged one an error naming it.
    public func records() throws -> [String: Record] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        do {
            return try JSONDecoder().decode([String: Record].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw PackageError.unreadable(path: path, reason: "is not a unit ledger (\(error.localizedDescription)); move it aside")
        }
    }

    /// The facts the ledger holds about `unit`.
    public func facts(for unit: String) throws -> UnitFacts {
        guard let record = try records()[unit] else { return UnitFacts() }
        return UnitFacts(hardwareRevision: record.hardwareRevision, variant: record.variant,
                         antiRollbackIndex: record.antiRollbackIndex)
    }

    /// Records that `manifest` is now on `unit`; the index never goes down.
    public func record(_ manifest: PackageManifest, unit: String, facts: UnitFacts) throws {
        var all = try records()
        let index = max(manifest.antiRollbackIndex, all[unit]?.antiRollbackIndex ?? 0)
        let variant = manifest.variants.count == 1 ? manifest.variants[0] : facts.variant
        let formatter = ISO8601DateFormatter()
        all[unit] = Record(packageID: manifest.id, version: manifest.version, antiRollbackIndex: index, variant: variant,
                           hardwareRevision: facts.hardwareRevision, updated: formatter.string(from: Date()))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(all).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
