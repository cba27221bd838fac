import Foundation
import Logging
import TermflashCore
import TermflashCrypto
import TermflashDelta
import TermflashEngine

extension FlashCommand {
    /// `flash --delta PATCH [--delta-base FILE] --partition NAME`: differential flashing of one partition.
    func flashDelta(_ patch: String, request: FlashRequest, logger: Logger) throws {
        guard request.partitions.count <= 1, inputs.isEmpty else {
            throw FlashDeltaUsageError(message: "--delta takes no images and at most one --partition")
        }
        let backend = try FlashBackends.choose(named: flash.backend, for: request)
        let opened = try backend.open(for: request, transports: TransportFactory(session: session), logger: logger)
        do {
            let region = try deltaRegion(in: opened.target, named: request.partitions.first)
            let flasher = try DifferentialFlasher(target: opened.target, region: region, patch: patch, base: flash.deltaBase,
                                                  workDirectory: workDirectory)
            let report = try flasher.run()
            try opened.close()
            try emit([report])
        } catch {
            try? opened.close()
            throw error
        }
    }

    /// A package whose images include deltas (a manifest `deltaBase`): each delta image goes
    /// through the differential flasher, the other steps through the update engine afterwards.
    func flashPackageDeltas(_ plan: UpdatePlan, backend: any FlashBackend.Type, request: FlashRequest, logger: Logger) throws {
        let opened = try backend.open(for: request, transports: TransportFactory(session: session), logger: logger)
        var reports: [DifferentialFlashReport] = []
        do {
            for step in plan.steps where step.isDeltaWrite {
                guard let image = step.image, let region = step.region else { continue }
                let patch = try FileByteSource(path: image.path, offset: image.offset, length: image.length)
                let name = "\(image.path) (\(region.partition ?? "delta") member)"
                try checkDeltaBase(of: patch, name: name, partition: region.partition, request: request)
                reports.append(try DifferentialFlasher(target: opened.target, region: region, patch: patch, patchName: name,
                                                       workDirectory: workDirectory).run())
            }
            var rest = plan
            rest.steps.removeAll { $0.isDeltaWrite }
            if rest.steps.contains(where: { $0.kind == .write || $0.kind == .erase || $0.kind == .command }) {
                let engine = UpdateEngine(plan: rest, target: opened.target, resolver: opened.resolver,
                                          journalPath: flash.journal ?? defaultJournal(for: rest), options: engineOptions,
                                          logger: logger, events: ProgressRenderer(enabled: !flash.json).handle)
                try emit(reports)
                return try finish(opened) { try engine.run() }
            }
            try opened.target.finish(plan.finish)
            try opened.close()
            try emit(reports)
        } catch {
            try? opened.close()
            throw error
        }
    }

    /// The manifest's delta base must be the patch's own source.
    private func checkDeltaBase(of patch: ByteSource, name: String, partition: String?, request: FlashRequest) throws {
        let header = try DeltaDecoder(patch: patch, name: name).header
        let bases = request.packages.flatMap { $0.manifest.images }.filter { $0.partition == partition }.compactMap(\.deltaBase)
        guard bases.contains(where: { $0.size == header.sourceSize && $0.sha256 == header.sourceSHA256.hexString }) else {
            throw FlashDeltaUsageError(message: "\(name): the manifest's deltaBase does not name the patch's source (\(header.sourceSize) bytes, sha256 \(header.sourceSHA256.hexString))")
        }
    }

    private var workDirectory: String { ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory() }

    private func emit(_ reports: [DifferentialFlashReport]) throws {
        if let path = flash.report { try JSONEncoder.termflash.encode(reports.count == 1 ? AnyEncodable(reports[0]) : AnyEncodable(reports)).write(to: URL(fileURLWithPath: path)) }
        if flash.json { try reports.count == 1 ? printJSON(reports[0]) : printJSON(reports) } else { reports.forEach { print($0.text) } }
    }

    private func deltaRegion(in target: FlashTarget, named name: String?) throws -> FlashRegion {
        let regions = try target.partitions()
        guard let name else {
            guard regions.count == 1 else { throw FlashDeltaUsageError(message: "name the partition the delta is for with --partition") }
            return regions[0]
        }
        guard let region = regions.first(where: { $0.partition == name }) else {
            throw FlashDeltaUsageError(message: "\(target.name) has no partition '\(name)'; it has " + regions.compactMap(\.partition).joined(separator: ", "))
        }
        return region
    }
}

/// `flash --delta` was given the wrong companions.
struct FlashDeltaUsageError: ActionableError {
    let message: String
    var exitStatus: ExitStatus { .usage }
    var description: String { message }
    var advice: String? { "usage: termflash flash --delta PATCH --partition NAME [--delta-base OLD] (with the backend's device options)" }
}

extension UpdatePlan {
    /// Whether a write takes a delta image (differential flashing).
    var containsDeltas: Bool { steps.contains { $0.isDeltaWrite } }
}

extension PlanStep {
    var isDeltaWrite: Bool { kind == .write && image?.format == .delta }
}

/// Wraps any encodable value.
private struct AnyEncodable: Encodable {
    let encodeValue: (Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = value.encode }
    func encode(to encoder: Encoder) throws { try encodeValue(encoder) }
}
