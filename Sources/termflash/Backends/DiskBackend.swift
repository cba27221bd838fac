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
        let regions = partitionRegions(request.profile)
        guard request.partitions.isEmpty || request.partitions.count == request.inputs.count else {
            throw PlanError.check("give one --partition per image: \(request.inputs.count) images, \(request.partitions.count) partitions")
        }
        var steps: [PlanStep] = []
        for (index, input) in request.inputs.enumerated() {
            let image = try imageReference(input)
            if request.partitions.isEmpty {
                steps.append(.write(image, to: FlashRegion(partition: "disk", offset: 0, length: try diskSize(disk))))
                continue
            }
            let label = request.partitions[index]
            guard let region = regions.first(where: { $0.partition == label }) else {
                throw PlanError.unknownPartition(name: label, known: regions.compactMap(\.partition))
            }
            steps.append(.write(image, to: region))
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

    private static func imageReference(_ path: String) throws -> ImageReference {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber else {
            throw PlanError.imageUnreadable(image: path, reason: "cannot be read")
        }
        return ImageReference(path: path, length: size.uint64Value)
    }

    private static func diskSize(_ path: String) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PlanError.imageUnreadable(image: path, reason: "disk cannot be opened") }
        defer { try? handle.close() }
        return try handle.seekToEnd()
    }
}
