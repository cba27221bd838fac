import TermflashCore
import TermflashCrypto

/// A Firehose programmer as the update engine's ``FlashTarget``: regions become sector
/// commands on their LUN, digests are the device's own `getsha256digest`, and with
/// ``skipUnchangedChunkBytes`` each chunk whose device digest already matches is skipped
/// (fast re-flashing and resume).
public final class FirehoseFlashTarget: FlashTarget {
    public let name: String
    /// The Firehose session (configured).
    public let host: FirehoseHost
    /// Bytes per sector on every LUN.
    public let sectorSize: Int
    public var writeGranularity: Int { sectorSize }
    public let deviceDigests: [DeviceDigestKind] = [.sha256]
    /// Partitions the backend read from each LUN's GPT.
    public var partitionTable: [FlashRegion] = []
    /// When set, writes compare device and host SHA-256 per chunk of this many bytes and
    /// program only the chunks that differ.
    public var skipUnchangedChunkBytes: Int?
    /// Opens the image of a `program` step whose start sector only the programmer can evaluate
    /// (`NUM_DISK_SECTORS-33.`); the step's attributes name it.
    public var openImage: ((TargetCommand) throws -> ByteSource)?
    /// What the last writes did, chunk by chunk (for reports and tests).
    public private(set) var chunksSkipped = 0
    public private(set) var chunksWritten = 0

    /// A target over a configured session.
    public init(host: FirehoseHost, sectorSize: Int, name: String) {
        precondition(sectorSize > 0, "sector size must be positive")
        self.host = host
        self.sectorSize = sectorSize
        self.name = name
    }

    public func partitions() throws -> [FlashRegion] { partitionTable }

    public func read(_ region: FlashRegion, into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink?) throws {
        let (start, sectors) = try sectorRange(region)
        var left = region.length
        try host.read(lun: region.lun, startSector: String(start), sectors: sectors, sectorSize: sectorSize, into: { chunk in
            guard left > 0 else { return }
            let take = chunk.prefix(Int(min(UInt64(chunk.count), left)))
            left -= UInt64(take.count)
            try sink(take)
        }, progress: progress.map { report in { done, _ in report(min(done, region.length), region.length) } })
    }

    public func write(_ region: FlashRegion, from source: ByteSource, progress: ProgressSink?) throws {
        let (start, sectors) = try sectorRange(region)
        guard let chunkBytes = skipUnchangedChunkBytes, chunkBytes >= sectorSize else {
            try program(region, startSector: start, sectors: sectors, source: source, sourceOffset: 0, confirmed: 0, progress: progress)
            chunksWritten += 1
            return
        }
        let chunkSectors = UInt64(chunkBytes / sectorSize)
        var done: UInt64 = 0
        while done < sectors {
            let count = min(chunkSectors, sectors - done)
            let offset = done * UInt64(sectorSize)
            let bytes = count * UInt64(sectorSize)
            if try deviceHolds(source, offset: offset, bytes: bytes, lun: region.lun, startSector: start + done) {
                chunksSkipped += 1
            } else {
                try program(region, startSector: start + done, sectors: count, source: source, sourceOffset: offset, confirmed: offset,
                            progress: progress)
                chunksWritten += 1
            }
            done += count
            progress?(min(done * UInt64(sectorSize), region.length), region.length)
        }
    }

    private func program(_ region: FlashRegion, startSector: UInt64, sectors: UInt64, source: ByteSource, sourceOffset: UInt64,
                         confirmed: UInt64, progress: ProgressSink?) throws {
        do {
            try host.program(lun: region.lun, startSector: String(startSector), sectors: sectors, sectorSize: sectorSize,
                             source: source, sourceOffset: sourceOffset, label: region.partition,
                             progress: progress.map { report in { done, _ in report(min(confirmed + done, region.length), region.length) } })
        } catch let FirehoseError.nak(command, log, written) {
            // A NAK ends the run: never retried, reported with what the device already holds.
            let nak = FirehoseError.nak(command: command, log: log, written: written)
            throw FlashTargetError.refused(command: "\(command) of \(region)", reason: Self.describe(nak, confirmed: confirmed), log: log)
        } catch let error as FirehoseError {
            throw FlashTargetError.interrupted(region: region, bytesWritten: min(confirmed, region.length),
                                               reason: Self.describe(error, confirmed: confirmed))
        }
    }

    private static func describe(_ error: FirehoseError, confirmed: UInt64) -> String {
        switch error {
        case let .transferStopped(_, sent, total, reason):
            return "\(reason); \(confirmed) bytes confirmed by the device; of the next \(total), at least \(sent) were handed to it"
                + " (whole chunks; part of the failing one may have reached it too), none confirmed"
        default:
            return "\(error); \(confirmed) bytes confirmed by the device before it"
        }
    }

    /// Whether the device's SHA-256 of the range equals the source's (zero-padded) bytes.
    private func deviceHolds(_ source: ByteSource, offset: UInt64, bytes: UInt64, lun: Int, startSector: UInt64) throws -> Bool {
        let expected = try Self.expectedDigest(of: source, offset: offset, bytes: bytes)
        let device = try host.sha256Digest(lun: lun, startSector: String(startSector), sectors: bytes / UInt64(sectorSize), sectorSize: sectorSize)
        return device == expected
    }

    /// What `getsha256digest` gives for sectors holding `bytes` bytes of `source` from
    /// `offset`: the SHA-256 of those bytes, zero-padded past the source's end as `program`
    /// pads the last sector.
    public static func expectedDigest(of source: ByteSource, offset: UInt64, bytes: UInt64) throws -> [UInt8] {
        let sha = SHA256()
        var done: UInt64 = 0
        while done < bytes {
            let length = Int(min(bytes - done, 1 << 20))
            var chunk = try source.read(offset: offset + done, length: length)
            if chunk.count < length { chunk += [UInt8](repeating: 0, count: length - chunk.count) }
            sha.update(chunk)
            done += UInt64(length)
        }
        return sha.finish()
    }

    public func erase(_ region: FlashRegion) throws {
        let (start, sectors) = try sectorRange(region)
        try host.erase(lun: region.lun, startSector: String(start), sectors: sectors, sectorSize: sectorSize)
    }

    public func digest(_ region: FlashRegion, kind: DeviceDigestKind) throws -> [UInt8] {
        guard kind == .sha256 else { throw FlashTargetError.unsupportedDigest(kind) }
        let (start, sectors) = try sectorRange(region)
        guard region.length % UInt64(sectorSize) == 0 else {
            // The device digests whole sectors, padding included; the image's digest covers only
            // its own bytes, so a region ending inside a sector is read back and hashed here.
            let sha = SHA256()
            try read(region, into: { sha.update(Array($0)) }, progress: nil)
            return sha.finish()
        }
        return try host.sha256Digest(lun: region.lun, startSector: String(start), sectors: sectors, sectorSize: sectorSize)
    }

    public func finish(_ action: FinishAction) throws {
        switch action {
        case .reset: try host.power("reset")
        case .powerOff: try host.power("off")
        case .stay: break
        }
    }

    /// `patch` (the attributes of a patch*.xml entry) and `setbootablestoragedrive` (`value`).
    public func perform(_ command: TargetCommand) throws {
        switch command.name {
        case "patch":
            try host.patch(Self.element(for: command).attributes)
        case "program":
            try programSymbolic(command)
        case "setbootablestoragedrive":
            guard let value = command.attributes["value"].flatMap(Int.init) else {
                throw FlashTargetError.refused(command: command.name, reason: "needs value=<LUN>", log: [])
            }
            try host.setBootableStorageDrive(value)
        default:
            throw FlashTargetError.refused(command: command.name, reason: "Firehose has no such step", log: [])
        }
    }

    // MARK: what each step sends, for --dry-run

    /// The `program` element that writes `bytes` bytes at the start of `region`.
    public static func programElement(_ region: FlashRegion, bytes: UInt64, sectorSize: Int) -> FirehoseElement {
        let size = UInt64(sectorSize)
        return FirehoseElement("program", FirehoseHost.sectorAttributes(
            sectorSize: sectorSize, sectors: (bytes + size - 1) / size, lun: region.lun, start: String(region.offset / size)))
    }

    /// The `erase` element for `region`.
    public static func eraseElement(_ region: FlashRegion, sectorSize: Int) -> FirehoseElement {
        let size = UInt64(sectorSize)
        return FirehoseElement("erase", FirehoseHost.sectorAttributes(
            sectorSize: sectorSize, sectors: (region.length + size - 1) / size, lun: region.lun, start: String(region.offset / size)))
    }

    /// A protocol step as its element, attributes in the order patch*.xml files use.
    public static func element(for command: TargetCommand) -> FirehoseElement {
        let order = ["SECTOR_SIZE_IN_BYTES", "byte_offset", "filename", "file_sector_offset", "num_partition_sectors",
                     "physical_partition_number", "size_in_bytes", "start_sector", "value"]
        let known = order.compactMap { key in command.attributes[key].map { (key, $0) } }
        let rest = command.attributes.filter { !order.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return FirehoseElement(command.name, known + rest)
    }

    /// A `program` whose `start_sector` is an expression: sent unchanged for the programmer to evaluate.
    private func programSymbolic(_ command: TargetCommand) throws {
        guard let openImage, let start = command.attributes["start_sector"],
              let lun = command.attributes["physical_partition_number"].flatMap(Int.init),
              let sectors = command.attributes["num_partition_sectors"].flatMap(UInt64.init) else {
            throw FlashTargetError.refused(command: "program", reason: "needs start_sector, physical_partition_number, num_partition_sectors and an image", log: [])
        }
        let source = try openImage(command)
        let needed = (source.count + UInt64(sectorSize) - 1) / UInt64(sectorSize)
        try host.program(lun: lun, startSector: start, sectors: sectors == 0 ? needed : min(sectors, needed), sectorSize: sectorSize,
                         source: source, label: command.attributes["label"])
        chunksWritten += 1
    }

    private func sectorRange(_ region: FlashRegion) throws -> (start: UInt64, sectors: UInt64) {
        let size = UInt64(sectorSize)
        guard region.offset % size == 0 else {
            throw FlashTargetError.refused(command: "access to \(region)", reason: "offset is not a multiple of the \(sectorSize)-byte sector", log: [])
        }
        return (region.offset / size, (region.length + size - 1) / size)
    }
}
