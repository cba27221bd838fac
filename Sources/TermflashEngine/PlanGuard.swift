import TermflashCore

/// Safety rules applied to every plan before it runs, whatever backend made it:
/// read-only partitions (calibration, boot loader, MAC) are refused unless unlocked by
/// name, and an unlocked one — or every region, with `backupEverything` — is backed up
/// first, so a rollback can restore it.
public struct PlanGuard {
    /// Partitions the device profile marks read-only.
    public var readOnly: Set<String>
    /// Partitions the user unlocked with `--unlock-partition`.
    public var unlocked: Set<String>
    /// Where backups go.
    public var backupDirectory: String
    /// Back up every region a step changes, not only unlocked ones.
    public var backupEverything: Bool

    /// A guard.
    public init(readOnly: Set<String>, unlocked: Set<String>, backupDirectory: String, backupEverything: Bool) {
        self.readOnly = readOnly
        self.unlocked = unlocked
        self.backupDirectory = backupDirectory
        self.backupEverything = backupEverything
    }

    /// The plan with refusals applied and backup steps inserted before the first change of
    /// each region that needs one.
    public func apply(to plan: UpdatePlan) throws -> UpdatePlan {
        var guarded = plan
        var backedUp = Set(plan.steps.filter { $0.kind == .backup }.compactMap(\.region))
        var backups: [PlanStep] = []
        for step in plan.steps where step.kind == .write || step.kind == .erase {
            guard let region = step.region else { continue }
            let name = region.partition ?? ""
            if readOnly.contains(name), !unlocked.contains(name) {
                throw PlanError.readOnlyPartition(name: name, step: step.description)
            }
            let needsBackup = backupEverything || (readOnly.contains(name) && unlocked.contains(name))
            guard needsBackup, !backedUp.contains(region) else { continue }
            backedUp.insert(region)
            backups.append(.backup(region, to: backupFile(for: region)))
        }
        guarded.steps = backups + plan.steps
        return guarded
    }

    private func backupFile(for region: FlashRegion) -> String {
        let label = region.partition ?? "lun\(region.lun)-\(region.offset)"
        let safe = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return "\(backupDirectory)/\(safe).bin"
    }
}
