import ArgumentParser
import Foundation
import TermflashCore
import TermflashCrypto
import TermflashEngine
import TermflashImages
import TermflashProtocols

/// `termflash verify`: compare every image of a rawprogram set with the unit's storage by the
/// programmer's own SHA-256, without reading the data back.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a unit in EDL holds every image of a rawprogram folder or zip (device-side SHA-256).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var edl: EDLOptions

    @Argument(help: "The rawprogram folder or zip.")
    var input: String

    @Flag(help: "Print the checks that would run and stop.")
    var dryRun = false

    @Flag(help: "Print JSON.")
    var json = false

    struct Check: Encodable {
        var label: String
        var file: String
        var lun: Int
        var startSector: String
        var sectors: UInt64
        /// What is compared: the whole image, or each run of defined blocks of a sparse image
        /// (its DONT_CARE runs are not written, so the device may hold anything there).
        var parts: [Part]
        var matches: Bool?
        /// Changed on the device by patch*.xml (a GPT): not comparable with its image.
        var patched: Bool
    }

    struct Part: Encodable {
        /// Sectors from the image's first sector.
        var sectorOffset: UInt64
        var sectors: UInt64
        var expected: String
        var actual: String?
    }

    func run() throws {
        try reportingErrors {
            let set = try RawProgramSet.load(from: URL(fileURLWithPath: input))
            let planner = RawProgramPlanner(rawProgram: set, input: input)
            var checks = try set.programs.filter(\.hasImage).map { try plannedCheck(set, $0, patched: planner.isChangedByPatches($0)) }
            if !dryRun {
                let connection = try EDLConnection(device: device.selection, session: session, edl: edl.settings, logger: global.makeLogger())
                defer { try? connection.close() }
                for index in checks.indices where !checks[index].patched {
                    try compare(&checks[index], on: connection)
                }
                try connection.close()
            }
            if json { try printJSON(checks) } else { render(checks) }
            let failed = checks.filter { $0.matches == false }
            if !failed.isEmpty {
                throw VerifyFailure(mismatched: failed.map { "\($0.label.isEmpty ? $0.file : $0.label) (LUN \($0.lun) sector \($0.startSector))" })
            }
        }
    }

    /// Asks the programmer for the SHA-256 of every part of the check.
    private func compare(_ check: inout Check, on connection: EDLConnection) throws {
        let start = try resolve(check.startSector, lun: check.lun, connection)
        for index in check.parts.indices {
            let part = check.parts[index]
            check.parts[index].actual = try connection.firehose.sha256Digest(
                lun: check.lun, startSector: String(start + part.sectorOffset), sectors: part.sectors, sectorSize: connection.sectorSize).hexString
        }
        check.matches = check.parts.allSatisfy { $0.actual == $0.expected }
    }

    /// The image's SHA-256 over whole sectors, zero-padded as it was written; for a sparse
    /// image, one per run of defined blocks.
    private func plannedCheck(_ set: RawProgramSet, _ entry: ProgramEntry, patched: Bool) throws -> Check {
        let source = try set.imageSource(for: entry)
        let sectorSize = UInt64(entry.sectorSize)
        let sectors = entry.sectorsToWrite(imageBytes: source.count)
        let runs = (source as? ExpandedSparseSource)?.image.dataRuns(alignment: sectorSize) ?? [0..<sectors * sectorSize]
        let parts = try runs.map { run in
            let count = (run.upperBound - run.lowerBound + sectorSize - 1) / sectorSize
            return Part(sectorOffset: run.lowerBound / sectorSize, sectors: count,
                        expected: try FirehoseFlashTarget.expectedDigest(of: source, offset: run.lowerBound, bytes: count * sectorSize).hexString)
        }
        return Check(label: entry.label, file: entry.filename, lun: entry.lun, startSector: entry.start.text, sectors: sectors,
                     parts: parts, patched: patched)
    }

    private func resolve(_ text: String, lun: Int, _ connection: EDLConnection) throws -> UInt64 {
        let expression = try SectorExpression(text)
        if let literal = expression.literal { return literal }
        return try expression.resolve(diskSectors: connection.diskSectors(lun: lun))
    }

    private func render(_ checks: [Check]) {
        for check in checks {
            let state = check.patched ? "patched " : check.matches.map { $0 ? "ok      " : "MISMATCH" } ?? "planned "
            let parts = check.parts.count > 1 ? " (\(check.parts.count) runs of defined blocks)" : ""
            print("\(state) \(check.label.isEmpty ? "-" : check.label) \(check.file) LUN \(check.lun) sector \(check.startSector) +\(check.sectors)\(parts)")
        }
        let done = checks.compactMap(\.matches)
        let patched = checks.filter(\.patched).count
        if !done.isEmpty {
            print("\(done.filter { $0 }.count) of \(done.count) images match the device"
                  + (patched > 0 ? "; \(patched) changed on the device by patch*.xml (GPTs: see 'termflash partitions')" : ""))
        }
    }
}

/// `verify` found images the device does not hold.
struct VerifyFailure: ActionableError {
    let mismatched: [String]
    var exitStatus: ExitStatus { .updateFailed }
    var description: String { "the device differs from \(mismatched.count) image(s): \(mismatched.joined(separator: ", "))" }
    var advice: String? { "flash the set again; --skip-unchanged rewrites only what differs" }
}
