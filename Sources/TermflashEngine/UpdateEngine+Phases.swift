import Foundation
import TermflashCore
import TermflashCrypto

extension UpdateEngine {
    // MARK: CHECKING

    /// Guards, then every region against the device's partitions and write unit.
    func checkPlan(_ checks: [Check]) throws {
        try checks.forEach { try $0() }
        let partitions = try target.partitions()
        for step in journal.plan.steps {
            guard let region = step.region else { continue }
            if let name = region.partition, !partitions.isEmpty {
                guard let partition = partitions.first(where: { $0.partition == name && $0.lun == region.lun }) else {
                    throw PlanError.unknownPartition(name: name, known: partitions.compactMap(\.partition))
                }
                guard region.offset >= partition.offset, region.end <= partition.end else {
                    throw PlanError.regionOutsidePartition(step: step.description, partition: name)
                }
            }
            let unit = max(target.writeGranularity(for: region), 1)
            guard region.offset % UInt64(unit) == 0 else {
                throw PlanError.misaligned(step: step.description, offset: region.offset, granularity: unit)
            }
            if step.kind == .write, let image = step.image, image.format == .raw, image.length > region.length {
                throw PlanError.imageTooLarge(image: image.path, bytes: image.length, region: "\(region)", regionBytes: region.length)
            }
        }
    }

    // MARK: DOWNLOADING

    /// Opens every image still to be written; expanded sizes must fit their regions.
    func openSources() throws {
        for (index, step) in journal.plan.steps.enumerated() where step.kind == .write {
            guard let image = step.image, let region = step.region else { continue }
            let source = try resolver.source(for: image)
            guard source.count <= region.length else {
                throw PlanError.imageTooLarge(image: image.path, bytes: source.count, region: "\(region)", regionBytes: region.length)
            }
            sources[index] = source
        }
    }

    // MARK: VERIFYING

    /// Hashes every image before the first byte is written; a digest that disagrees with the
    /// plan stops the update with the device untouched.
    func verifySources() throws {
        for (index, step) in journal.plan.steps.enumerated() where step.kind == .write {
            guard let source = sources[index], let image = step.image else { continue }
            let (sha, crc) = try digests(of: source, index: index)
            if let expected = image.sha256?.lowercased(), expected != sha {
                throw PlanError.imageDigestMismatch(image: image.path, expected: expected, actual: sha)
            }
            journal.steps[index].sha256 = sha
            journal.steps[index].crc32 = crc
        }
        try persist()
    }

    func digests(of source: ByteSource, index: Int) throws -> (sha256: String, crc32: UInt32) {
        let sha = SHA256()
        var crc = CRC32()
        var offset: UInt64 = 0
        while offset < source.count {
            let chunk = try source.read(offset: offset, length: options.chunkSize)
            guard !chunk.isEmpty else { break }
            sha.update(chunk)
            crc.update(chunk)
            offset += UInt64(chunk.count)
            events(.progress(index: index, done: offset, total: source.count))
        }
        return (sha.finish().hexString, crc.value)
    }

    // MARK: PRE_UPDATING

    /// Reads each backup region to its file and checks the file against the device.
    func runBackups() throws {
        for (index, step) in journal.plan.steps.enumerated() where step.kind == .backup && journal.steps[index].status != .done {
            guard let region = step.region, let file = step.backupFile else { continue }
            events(.stepStarted(index: index, step: step))
            journal.steps[index].status = .running
            try persist()
            let (sha, crc, count) = try backUp(region, to: file, index: index)
            journal.steps[index].bytesDone = count
            journal.steps[index].sha256 = sha
            journal.steps[index].crc32 = crc
            journal.steps[index].verifiedBy = try confirm(region, sha256: sha, crc32: crc)
            journal.steps[index].status = .done
            try persist()
            events(.stepFinished(index: index, record: journal.steps[index]))
        }
    }

    private func backUp(_ region: FlashRegion, to file: String, index: Int) throws -> (String, UInt32, UInt64) {
        let folder = (file as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
            throw PlanError.check("backup file \(file) cannot be created; choose another folder with --backup-dir")
        }
        defer { try? handle.close() }
        let sha = SHA256()
        var crc = CRC32()
        var count: UInt64 = 0
        try target.read(region, into: { chunk in
            let bytes = Array(chunk)
            sha.update(bytes)
            crc.update(bytes)
            try handle.write(contentsOf: bytes)
            count += UInt64(bytes.count)
        }, progress: { done, total in self.events(.progress(index: index, done: done, total: total)) })
        try handle.synchronize()
        guard count == region.length else {
            throw PlanError.check("backup of \(region) returned \(count) of \(region.length) bytes")
        }
        return (sha.finish().hexString, crc.value, count)
    }

    // MARK: UPDATING

    /// Runs every write, erase and protocol step not yet done, journaling each.
    func runUpdates() throws {
        for (index, step) in journal.plan.steps.enumerated() where step.kind != .backup {
            let status = journal.steps[index].status
            guard status != .done, status != .skipped else { continue }
            events(.stepStarted(index: index, step: step))
            journal.steps[index].status = .running
            journal.steps[index].bytesDone = 0
            try persist()
            do {
                journal.steps[index].status = try perform(step, index: index)
            } catch let FlashTargetError.interrupted(region, written, reason) {
                journal.steps[index].bytesDone = written
                journal.steps[index].status = .failed
                journal.steps[index].message = reason
                try persist()
                throw FlashTargetError.interrupted(region: region, bytesWritten: written, reason: reason)
            } catch {
                journal.steps[index].status = .failed
                journal.steps[index].message = describe(error)
                try persist()
                throw error
            }
            try persist()
            events(.stepFinished(index: index, record: journal.steps[index]))
        }
    }

    private func perform(_ step: PlanStep, index: Int) throws -> StepRecord.Status {
        switch step.kind {
        case .write:
            guard let source = sources[index], let region = step.region else { return .skipped }
            let exact = FlashRegion(partition: region.partition, lun: region.lun, offset: region.offset, length: source.count)
            if options.skipUnchanged, try holdsImage(exact, index: index) {
                journal.steps[index].message = "already on the device"
                journal.steps[index].verifiedBy = "device sha256"
                return .skipped
            }
            try target.write(exact, from: source) { done, total in
                self.journal.steps[index].bytesDone = done
                self.events(.progress(index: index, done: done, total: total))
            }
            journal.steps[index].bytesDone = source.count
            bytesWritten += source.count
        case .erase:
            if let region = step.region { try target.erase(region) }
        case .command:
            if let command = step.command { try target.perform(command) }
        case .backup:
            break
        }
        return .done
    }

    private func holdsImage(_ region: FlashRegion, index: Int) throws -> Bool {
        guard target.deviceDigests.contains(.sha256), let expected = journal.steps[index].sha256 else { return false }
        return try target.digest(region, kind: .sha256).hexString == expected
    }

    // MARK: VERIFY_POST

    /// Checks every write on the device; a mismatch sends the step back through RETRY →
    /// UPDATING once per allowed retry.
    func verifyWithRewrites() throws {
        var attempt = 0
        while true {
            try enter(.verifyPost)
            do {
                return try verifyWrites()
            } catch let mismatch as VerificationMismatch where attempt < options.retries {
                attempt += 1
                events(.note("rewriting: \(mismatch)"))
                try enter(.retry)
                try enter(.updating)
                try runUpdates()
            }
        }
    }

    func verifyWrites() throws {
        for (index, step) in journal.plan.steps.enumerated() where step.kind == .write && journal.steps[index].status == .done {
            guard journal.steps[index].verifiedBy == nil, let source = sources[index], let region = step.region,
                  let sha = journal.steps[index].sha256, let crc = journal.steps[index].crc32 else { continue }
            let exact = FlashRegion(partition: region.partition, lun: region.lun, offset: region.offset, length: source.count)
            do {
                journal.steps[index].verifiedBy = try confirm(exact, sha256: sha, crc32: crc)
            } catch let mismatch as VerificationMismatch {
                journal.steps[index].status = .pending
                journal.steps[index].message = mismatch.description
                try persist()
                throw mismatch
            }
            try persist()
        }
    }

    /// Checks that `region` holds bytes with these digests: by the device's own digest when it
    /// has one, else by reading it back. Returns how it was checked.
    func confirm(_ region: FlashRegion, sha256: String, crc32: UInt32) throws -> String {
        if target.deviceDigests.contains(.sha256) {
            let actual = try target.digest(region, kind: .sha256).hexString
            guard actual == sha256 else { throw VerificationMismatch(region: region, method: "device sha256", expected: sha256, actual: actual) }
            return "device sha256"
        }
        if target.deviceDigests.contains(.crc32) {
            let bytes = try target.digest(region, kind: .crc32)
            let actual = bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard actual == crc32 else {
                throw VerificationMismatch(region: region, method: "device crc32", expected: hex32(crc32), actual: hex32(actual))
            }
            return "device crc32"
        }
        let digest = SHA256()
        try target.read(region, into: { digest.update(Array($0)) }, progress: nil)
        let actual = digest.finish().hexString
        guard actual == sha256 else { throw VerificationMismatch(region: region, method: "read-back", expected: sha256, actual: actual) }
        return "read-back"
    }
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
