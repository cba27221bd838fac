import Foundation
import TermflashCore
import TermflashCrypto

extension UpdateEngine {
    /// Writes the backups of a failed update back over every region it changed, newest
    /// first, and checks each; regions without a backup are named in the failure.
    @discardableResult
    public func rollBack() throws -> UpdateReport {
        if journal.state != .failed {
            // An explicit request: also undoes a finished update whose backups were kept.
            journal.state = .failed
            journal.history.append(StateTransition(state: .failed, at: Date()))
        }
        try enter(.rollback)
        var unrestorable: [String] = []
        for (index, step) in journal.plan.steps.enumerated().reversed() where touched(index, step) {
            guard let region = step.region, let backup = backupCovering(region) else {
                unrestorable.append(step.region.map(String.init(describing:)) ?? step.description)
                continue
            }
            do {
                try restore(region, from: backup)
                journal.steps[index].status = .rolledBack
                journal.steps[index].message = "restored from \(backup.file)"
                try persist()
            } catch {
                try fail("restoring \(region) from \(backup.file) failed: \(describe(error))")
                throw UpdateFailure(report: report(), reason: journal.error ?? "", canRollBack: true)
            }
        }
        guard unrestorable.isEmpty else {
            let reason = "no backup covers: " + unrestorable.joined(separator: ", ")
            try fail(reason)
            throw UpdateFailure(report: report(), reason: reason, canRollBack: false)
        }
        try enter(.rolledBack)
        return report()
    }

    private func touched(_ index: Int, _ step: PlanStep) -> Bool {
        guard step.kind == .write || step.kind == .erase else { return false }
        let record = journal.steps[index]
        return record.status == .done || record.status == .running || (record.status == .failed && (record.bytesDone > 0 || step.kind == .erase))
    }

    private func backupCovering(_ region: FlashRegion) -> (file: String, region: FlashRegion)? {
        for (index, step) in journal.plan.steps.enumerated() where step.kind == .backup && journal.steps[index].status == .done {
            guard let covered = step.region, let file = step.backupFile, covered.lun == region.lun,
                  covered.offset <= region.offset, region.end <= covered.end else { continue }
            return (file, covered)
        }
        return nil
    }

    private func restore(_ region: FlashRegion, from backup: (file: String, region: FlashRegion)) throws {
        let source = try FileByteSource(path: backup.file, offset: region.offset - backup.region.offset, length: region.length)
        guard source.count == region.length else {
            throw PlanError.check("backup \(backup.file) is shorter than \(region)")
        }
        let (sha, crc) = try digests(of: source, index: -1)
        try target.write(region, from: source, progress: nil)
        _ = try confirm(region, sha256: sha, crc32: crc)
    }
}
