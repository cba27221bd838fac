import Foundation
import Logging
import TermflashCore
import TermflashEngine
import TermflashHardware
import TermflashProfiles

/// `--disk PATH`: raw images written straight to a block device or disk image (eMMC or SD
/// card in a reader, a flash dump), by partition from the profile or over the whole disk.
enum DiskBackend: FlashBackend {
    static let name = "disk"
    static let summary = "raw images onto a block device or disk image given with --disk"

    static func accepts(_ request: FlashRequest) -> Bool { request.disk != nil }

    static func plan(for request: FlashRequest) throws -> UpdatePlan {
        guard let disk = request.disk else { throw FlashCommandError.noBackend(inputs: request.inputs, profile: nil, known: [name]) }
        guard !request.images.isEmpty else {
            throw PlanError.check("the disk backend writes images and packages; \(request.inputs.joined(separator: " ")) holds none (a rawprogram set goes through the edl backend)")
        }
        let regions = partitionRegions(request.profile)
        var steps: [PlanStep] = []
        for image in request.images {
            guard let label = image.partition else {
                steps.append(.write(image.reference, to: FlashRegion(partition: "disk", offset: 0, length: try diskSize(disk))))
                continue
            }
            guard let region = regions.first(where: { $0.partition == label }) else {
                throw PlanError.unknownPartition(name: label, known: regions.compactMap(\.partition))
            }
            steps.append(.write(image.reference, to: region))
        }
        let id = request.profile.map { "\($0.id)-disk" } ?? "disk"
        return UpdatePlan(id: id, summary: "\(steps.count) image(s)", steps: steps, finish: .stay)
    }

    static func open(for request: FlashRequest, transports: TransportFactory, logger: Logger) throws -> FlashSession {
        guard let disk = request.disk else { throw FlashCommandError.noBackend(inputs: request.inputs, profile: nil, known: [name]) }
        let target = try DiskFlashTarget(path: disk, partitions: partitionRegions(request.profile))
        return FlashSession(target: target, resolver: .files, close: {})
    }

    /// Leaf partitions of the profile's first chip, as regions.
    static func partitionRegions(_ profile: DeviceProfile?) -> [FlashRegion] {
        func leaves(_ partitions: [FlashPartition]) -> [FlashPartition] {
            partitions.flatMap { $0.partitions.isEmpty ? [$0] : [$0] + leaves($0.partitions) }
        }
        return leaves(profile?.storage.first?.partitions ?? []).map {
            FlashRegion(partition: $0.name, offset: UInt64($0.offset), length: UInt64($0.size))
        }
    }

    private static func diskSize(_ path: String) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PlanError.imageUnreadable(image: path, reason: "disk cannot be opened") }
        defer { try? handle.close() }
        return try handle.seekToEnd()
    }
}
