import Foundation
import TermflashCore
import TermflashEngine
import TermflashSimulator
import TestSupport
import XCTest

/// The update state machine against the simulated storage.
final class UpdateEngineTests: XCTestCase {
    private var folder = ""
    private var store: FlashStore!
    private var target: StoreFlashTarget!
    private let boot = FlashRegion(partition: "boot", offset: 0, length: 64 << 10)
    private let system = FlashRegion(partition: "system", offset: 64 << 10, length: 256 << 10)
    private var bootImage: [UInt8] = []
    private var systemImage: [UInt8] = []
    private var original: [UInt8] = []

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
        store = try FlashStore(paths: ["\(folder)/lun0.img"], sizes: [512 << 10], sectorSize: 4096)
        var random = SplitMix64(seed: 42)
        original = (0..<(512 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        try store.write(lun: 0, offset: 0, bytes: original)
        store.resetCounters()
        target = StoreFlashTarget(store: store, partitions: [boot, system])
        bootImage = (0..<(40 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        systemImage = (0..<(200 << 10)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        try Data(bootImage).write(to: URL(fileURLWithPath: "\(folder)/boot.img"))
        try Data(systemImage).write(to: URL(fileURLWithPath: "\(folder)/system.img"))
    }

    private func image(_ name: String, sha: String? = nil) -> ImageReference {
        let bytes = name == "boot" ? bootImage : systemImage
        return ImageReference(path: "\(folder)/\(name).img", length: UInt64(bytes.count), sha256: sha)
    }

    private func plan(backups: Bool = true) -> UpdatePlan {
        var steps: [PlanStep] = []
        if backups {
            steps += [.backup(boot, to: "\(folder)/backup/boot.bin"), .backup(system, to: "\(folder)/backup/system.bin")]
        }
        steps += [.write(image("boot"), to: boot), .write(image("system"), to: system),
                  .command(TargetCommand(name: "setbootablestoragedrive", attributes: ["value": "0"]))]
        return UpdatePlan(id: "test-1", summary: "boot and system", steps: steps)
    }

    private func device(_ region: FlashRegion, _ count: Int) throws -> [UInt8] {
        try store.read(lun: 0, offset: region.offset, length: count)
    }

    func testSuccessfulUpdateWalksEveryStateAndLeavesTheImagesOnTheDevice() throws {
        let journal = "\(folder)/journal.json"
        var states: [UpdateState] = []
        let engine = UpdateEngine(plan: plan(), target: target, journalPath: journal) { event in
            if case let .state(state) = event { states.append(state) }
        }
        let report = try engine.run()
        XCTAssertEqual(states, [.checking, .downloading, .verifying, .preUpdating, .updating, .verifyPost, .success])
        XCTAssertTrue(try device(boot, bootImage.count) == bootImage, "boot image on the device")
        XCTAssertTrue(try device(system, systemImage.count) == systemImage, "system image on the device")
        XCTAssertTrue(try device(FlashRegion(offset: UInt64(320 << 10), length: 1), 4096) == Array(original[(320 << 10)..<(324 << 10)]),
                      "bytes after the last partition are untouched")
        XCTAssertTrue(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/backup/boot.bin")) == Data(original.prefix(64 << 10)),
                      "the backup holds boot's original bytes")
        XCTAssertEqual(report.steps.map(\.status), [.done, .done, .done, .done, .done])
        XCTAssertEqual(report.steps[2].verifiedBy, "device sha256")
        XCTAssertEqual(report.bytesWritten, UInt64(bootImage.count + systemImage.count))
        XCTAssertEqual(target.performed.map(\.name), ["setbootablestoragedrive"])
        XCTAssertEqual(target.finishedWith, .reset)
        XCTAssertEqual(try UpdateJournal.load(from: journal).state, .success)
    }

    func testAWrongImageDigestStopsBeforeTheFirstByteIsWritten() throws {
        var wrong = plan(backups: false)
        wrong.steps[1] = .write(image("system", sha: String(repeating: "ab", count: 32)), to: system)
        let engine = UpdateEngine(plan: wrong, target: target, journalPath: "\(folder)/j.json")
        XCTAssertThrowsError(try engine.run()) { error in
            guard case let PlanError.imageDigestMismatch(image, expected, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(image, "\(self.folder)/system.img")
            XCTAssertEqual(expected, String(repeating: "ab", count: 32))
            XCTAssertTrue("\(error)".hasSuffix("nothing was written"))
        }
        XCTAssertEqual(store.totalBytesWritten, 0)
        XCTAssertEqual(try UpdateJournal.load(from: "\(folder)/j.json").state, .failed)
    }

    func testRefusalsNameTheFieldAndValues() throws {
        let tooBig = UpdatePlan(id: "p", summary: "s", steps: [.write(image("system"), to: FlashRegion(partition: "boot", offset: 0, length: 64 << 10))])
        XCTAssertThrowsError(try UpdateEngine(plan: tooBig, target: target).run()) { error in
            XCTAssertEqual("\(error)", "\(self.folder)/system.img (204800 bytes) is larger than boot (LUN 0 bytes 0+65536) (65536 bytes); nothing was written")
        }
        let unknown = UpdatePlan(id: "p", summary: "s", steps: [.erase(FlashRegion(partition: "modem", offset: 0, length: 4096))])
        XCTAssertThrowsError(try UpdateEngine(plan: unknown, target: target).run()) { error in
            XCTAssertEqual(error as? PlanError, .unknownPartition(name: "modem", known: ["boot", "system"]))
        }
        let misaligned = UpdatePlan(id: "p", summary: "s", steps: [.erase(FlashRegion(offset: 100, length: 4096))])
        XCTAssertThrowsError(try UpdateEngine(plan: misaligned, target: target).run()) { error in
            guard case PlanError.misaligned(_, 100, 4096) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(store.totalBytesWritten, 0)
    }

    func testAnInterruptedWriteIsReportedAndResumes() throws {
        let journal = "\(folder)/journal.json"
        target.interruptWrite = ("system", 100 << 10)
        XCTAssertThrowsError(try UpdateEngine(plan: plan(), target: target, journalPath: journal).run()) { error in
            guard let failure = error as? UpdateFailure else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.report.state, .failed)
            XCTAssertTrue(failure.report.deviceState.contains("system (LUN 0 bytes 65536+262144): 102400 of 204800 bytes written, incomplete"),
                          failure.report.deviceState)
            XCTAssertTrue(failure.report.deviceState.contains("changed: boot"), failure.report.deviceState)
            XCTAssertEqual(failure.advice, "resume with 'termflash flash --resume \(journal)' or restore the backups with 'termflash flash --rollback \(journal)'")
        }
        let saved = try UpdateJournal.load(from: journal)
        XCTAssertEqual(saved.steps.map(\.status), [.done, .done, .done, .failed, .pending])
        store.resetCounters()
        let report = try UpdateEngine(resuming: saved, target: target, journalPath: journal).run()
        XCTAssertEqual(report.state, .success)
        XCTAssertTrue(try device(system, systemImage.count) == systemImage, "system image on the device")
        XCTAssertEqual(store.totalBytesWritten, UInt64(systemImage.count), "boot was not written again")
    }

    func testRollbackRestoresTheBackups() throws {
        let journal = "\(folder)/journal.json"
        target.interruptWrite = ("system", 8192)
        XCTAssertThrowsError(try UpdateEngine(plan: plan(), target: target, journalPath: journal).run())
        let engine = try UpdateEngine(resuming: try UpdateJournal.load(from: journal), target: target, journalPath: journal)
        let report = try engine.rollBack()
        XCTAssertEqual(report.state, .rolledBack)
        XCTAssertTrue(try device(FlashRegion(offset: 0, length: 0), 320 << 10) == Array(original.prefix(320 << 10)),
                      "both partitions hold their original bytes again")
        XCTAssertEqual(report.steps.map(\.status)[2...3], [.rolledBack, .rolledBack])
    }

    func testRollbackWithoutBackupsNamesWhatCannotBeRestored() throws {
        let journal = "\(folder)/journal.json"
        target.interruptWrite = ("system", 8192)
        XCTAssertThrowsError(try UpdateEngine(plan: plan(backups: false), target: target, journalPath: journal).run())
        let engine = try UpdateEngine(resuming: try UpdateJournal.load(from: journal), target: target, journalPath: journal)
        XCTAssertThrowsError(try engine.rollBack()) { error in
            XCTAssertTrue("\(error)".contains("no backup covers: system (LUN 0 bytes 65536+262144), boot (LUN 0 bytes 0+65536)"), "\(error)")
        }
    }

    func testAWriteThatDoesNotReadBackIsRetriedThenFails() throws {
        target.corruptWritesTo = "boot"
        var states: [UpdateState] = []
        let engine = UpdateEngine(plan: plan(backups: false), target: target) { event in
            if case let .state(state) = event { states.append(state) }
        }
        XCTAssertThrowsError(try engine.run()) { error in
            XCTAssertTrue("\(error)".contains("boot (LUN 0 bytes 0+40960) does not hold the image after writing (device sha256"), "\(error)")
        }
        XCTAssertEqual(Array(states.suffix(5)), [.verifyPost, .retry, .updating, .verifyPost, .failed])
    }

    func testVerificationByCRC32OrReadBackWhenTheDeviceHasNoSHA256() throws {
        target.deviceDigests = [.crc32]
        XCTAssertEqual(try UpdateEngine(plan: plan(backups: false), target: target).run().steps[0].verifiedBy, "device crc32")
        target.deviceDigests = []
        XCTAssertEqual(try UpdateEngine(plan: plan(backups: false), target: target).run().steps[0].verifiedBy, "read-back")
    }

    func testSkipUnchangedWritesNothingTheSecondTime() throws {
        try UpdateEngine(plan: plan(backups: false), target: target).run()
        store.resetCounters()
        let report = try UpdateEngine(plan: plan(backups: false), target: target, options: .init(skipUnchanged: true)).run()
        XCTAssertEqual(store.totalBytesWritten, 0)
        XCTAssertEqual(report.steps.map(\.status), [.skipped, .skipped, .done])
    }
}
