import Foundation
import Logging
import TermflashCore
import TermflashDelta

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
            let flasher = DifferentialFlasher(target: opened.target, region: region, patch: patch, base: flash.deltaBase,
                                              workDirectory: ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory())
            let report = try flasher.run()
            try opened.close()
            if let path = flash.report { try JSONEncoder.termflash.encode(report).write(to: URL(fileURLWithPath: path)) }
            if flash.json { try printJSON(report) } else { print(report.text) }
        } catch {
            try? opened.close()
            throw error
        }
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
