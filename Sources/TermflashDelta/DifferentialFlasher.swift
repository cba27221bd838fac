import Foundation
import TermflashCore
import TermflashCrypto

/// Flashes a partition with a delta: confirms the partition holds the patch's source
/// (device-side digest when the target has one and the source is on the host, otherwise
/// a read-back), rebuilds the target on the host, writes only the blocks that differ, and
/// verifies the partition's digest afterwards. A target that rewrites whole partitions
/// (Streaming DLOAD) gets the whole rebuilt image when any block differs, and nothing when
/// none does; the patch still spares the host the full image.
public final class DifferentialFlasher {
    private let target: FlashTarget
    private let region: FlashRegion
    private let patch: ByteSource
    private let patchName: String
    private let basePath: String?
    private let workDirectory: String
    private let progress: ProgressSink?

    /// `basePath`: a host copy of the source (the package's delta base); without it the
    /// partition is read back. Temporary files go to `workDirectory`.
    public convenience init(target: FlashTarget, region: FlashRegion, patch: String, base: String? = nil,
                            workDirectory: String = NSTemporaryDirectory(), progress: ProgressSink? = nil) throws {
        self.init(target: target, region: region, patch: try DeltaFiles.open(patch), patchName: patch, base: base,
                  workDirectory: workDirectory, progress: progress)
    }

    /// A patch that is part of a file (a package member): `patch` gives its bytes, `patchName` names it in errors.
    public init(target: FlashTarget, region: FlashRegion, patch: ByteSource, patchName: String, base: String? = nil,
                workDirectory: String = NSTemporaryDirectory(), progress: ProgressSink? = nil) {
        self.target = target
        self.region = region
        self.patch = patch
        self.patchName = patchName
        basePath = base
        self.workDirectory = workDirectory
        self.progress = progress
    }

    /// Runs the differential flash.
    public func run() throws -> DifferentialFlashReport {
        let decoder = try DeltaDecoder(patch: patch, name: patchName)
        try decoder.verifyIntegrity()
        let header = decoder.header
        guard region.length >= max(header.sourceSize, header.targetSize) else {
            throw DifferentialFlashError.regionTooSmall(region: region, needed: max(header.sourceSize, header.targetSize))
        }
        let unit = target.writeGranularity(for: region)
        let blockSize = max(Int(header.blockSize), unit)
        guard blockSize % unit == 0 else {
            throw DifferentialFlashError.blockSizeMismatch(blockSize: Int(header.blockSize), granularity: unit)
        }
        var report = DifferentialFlashReport(partition: region.partition ?? "\(region)", target: target.name, patchBytes: patch.count,
                                             blockSize: blockSize, targetBytes: header.targetSize)
        let scratch = workDirectory + "/termflash-delta-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        let source = try confirmSource(header, decoder: decoder, scratch: scratch, report: &report)
        let rebuilt = scratch + "/target.bin"
        try DeltaFiles.writeAtomically(rebuilt) { handle in
            try decoder.apply(source: source, sourceName: basePath ?? "\(region)", sourceConfirmed: true) { try handle.write(contentsOf: $0) }
        }
        let rebuiltSource = try DeltaFiles.open(rebuilt)
        if target.rewritesWholePartitions {
            try rewriteWholeIfChanged(source: source, rebuilt: rebuiltSource, report: &report)
        } else {
            try writeDifferingBlocks(source: source, rebuilt: rebuiltSource, report: &report)
        }
        report.verifiedBy = try verifyTarget(header)
        return report
    }

    private func leading(_ length: UInt64) -> FlashRegion {
        FlashRegion(partition: region.partition, lun: region.lun, offset: region.offset, length: length)
    }

    /// The source, confirmed to be what the partition holds.
    private func confirmSource(_ header: DeltaHeader, decoder: DeltaDecoder, scratch: String,
                               report: inout DifferentialFlashReport) throws -> ByteSource {
        if let basePath {
            let base = try DeltaFiles.open(basePath)
            try decoder.verifySource(base, name: basePath)
            if let kind = target.deviceDigests.first {
                let actual = try target.digest(leading(header.sourceSize), kind: kind)
                guard actual == expected(kind, sha256: header.sourceSHA256, crc32: header.sourceCRC32) else {
                    throw DifferentialFlashError.deviceHoldsOtherContent(region: region, checkedBy: "device \(kind.rawValue)")
                }
                report.sourceConfirmedBy = "device \(kind.rawValue)"
                return base
            }
            let actual = try readBack(header.sourceSize, into: nil, report: &report)
            guard actual == header.sourceSHA256 else { throw DifferentialFlashError.deviceHoldsOtherContent(region: region, checkedBy: "read-back") }
            report.sourceConfirmedBy = "read-back"
            return base
        }
        let spool = scratch + "/source.bin"
        guard FileManager.default.createFile(atPath: spool, contents: nil), let handle = FileHandle(forWritingAtPath: spool) else {
            throw DeltaError.unreadable(path: spool, reason: "cannot create the read-back file")
        }
        let actual = try readBack(header.sourceSize, into: handle, report: &report)
        try handle.close()
        guard actual == header.sourceSHA256 else { throw DifferentialFlashError.deviceHoldsOtherContent(region: region, checkedBy: "read-back") }
        report.sourceConfirmedBy = "read-back"
        return try DeltaFiles.open(spool)
    }

    private func expected(_ kind: DeviceDigestKind, sha256: [UInt8], crc32: UInt32) -> [UInt8] {
        switch kind {
        case .sha256: return sha256
        case .crc32: return withUnsafeBytes(of: crc32.bigEndian) { Array($0) }
        }
    }

    /// Reads the leading `length` bytes of the partition, hashing them (and spooling them).
    private func readBack(_ length: UInt64, into handle: FileHandle?, report: inout DifferentialFlashReport) throws -> [UInt8] {
        let digest = SHA256()
        var count: UInt64 = 0
        try target.read(leading(length), into: { piece in
            digest.update(Array(piece))
            try handle?.write(contentsOf: Data(piece))
            count += UInt64(piece.count)
        }, progress: nil)
        report.bytesReadBack += count
        return digest.finish()
    }

    /// Compares the rebuilt target with the source block by block and writes runs of differing blocks.
    private func writeDifferingBlocks(source: ByteSource, rebuilt: ByteSource, report: inout DifferentialFlashReport) throws {
        var run: [UInt8] = []
        var runStart: UInt64 = 0
        func flush() throws {
            guard !run.isEmpty else { return }
            let piece = FlashRegion(partition: region.partition, lun: region.lun, offset: region.offset + runStart, length: UInt64(run.count))
            try target.write(piece, from: MemoryByteSource(run), progress: nil)
            report.bytesSent += UInt64(run.count)
            run = []
        }
        report.blocksTotal = try forEachBlock(source: source, rebuilt: rebuilt, blockSize: report.blockSize) { start, new, differs in
            guard differs else { return try flush() }
            if run.isEmpty { runStart = start }
            run += new
            report.blocksWritten += 1
            report.blocksDiffering += 1
            if run.count >= 1 << 20 { try flush() }
        }
        try flush()
    }

    /// For targets that rewrite whole partitions: the whole rebuilt image when any block differs.
    private func rewriteWholeIfChanged(source: ByteSource, rebuilt: ByteSource, report: inout DifferentialFlashReport) throws {
        var differing = 0
        report.blocksTotal = try forEachBlock(source: source, rebuilt: rebuilt, blockSize: report.blockSize) { _, _, differs in
            if differs { differing += 1 }
        }
        report.blocksDiffering = differing
        guard differing > 0 else { return }
        try target.write(leading(rebuilt.count), from: rebuilt, progress: progress)
        report.blocksWritten = report.blocksTotal
        report.bytesSent = rebuilt.count
        report.wholePartition = true
    }

    /// Walks the rebuilt target and the source in blocks (the target's tail beyond its own
    /// end keeps the source's bytes), telling `body` whether each differs; returns the block count.
    private func forEachBlock(source: ByteSource, rebuilt: ByteSource, blockSize: Int,
                              _ body: (_ start: UInt64, _ new: [UInt8], _ differs: Bool) throws -> Void) throws -> Int {
        let blockCount = Int((rebuilt.count + UInt64(blockSize) - 1) / UInt64(blockSize))
        for index in 0..<blockCount {
            let start = UInt64(index) * UInt64(blockSize)
            let length = Int(min(UInt64(blockSize), region.length - start))
            var old = try source.read(offset: start, length: length)
            var new = try rebuilt.read(offset: start, length: length)
            if new.count < length { new += old.dropFirst(new.count) }
            // Past the end of both images a block is padded alike: only bytes the images
            // define can make it differ.
            if new.count < length { new += [UInt8](repeating: 0, count: length - new.count) }
            if old.count < length { old += [UInt8](repeating: 0, count: length - old.count) }
            try body(start, new, new != old)
            progress?(start + UInt64(length), rebuilt.count)
        }
        return blockCount
    }

    /// Checks the partition now holds the target; returns how it was checked.
    private func verifyTarget(_ header: DeltaHeader) throws -> String {
        let whole = leading(header.targetSize)
        if let kind = target.deviceDigests.first {
            guard try target.digest(whole, kind: kind) == expected(kind, sha256: header.targetSHA256, crc32: header.targetCRC32) else {
                throw DifferentialFlashError.verificationFailed(region: whole, checkedBy: "device \(kind.rawValue)")
            }
            return "device \(kind.rawValue)"
        }
        let digest = SHA256()
        try target.read(whole, into: { digest.update(Array($0)) }, progress: nil)
        guard digest.finish() == header.targetSHA256 else { throw DifferentialFlashError.verificationFailed(region: whole, checkedBy: "read-back") }
        return "read-back"
    }
}

/// What a differential flash did, against what a full flash would have sent.
public struct DifferentialFlashReport: Sendable, Codable {
    public var partition: String
    public var target: String
    public var patchBytes: UInt64
    public var blockSize: Int
    public var targetBytes: UInt64
    public var blocksTotal = 0
    public var blocksWritten = 0
    /// Blocks whose content changes (equal to `blocksWritten` unless the target rewrites whole partitions).
    public var blocksDiffering = 0
    /// Whether the protocol made the whole partition be rewritten (Streaming DLOAD).
    public var wholePartition = false
    public var bytesSent: UInt64 = 0
    public var bytesReadBack: UInt64 = 0
    public var sourceConfirmedBy = ""
    public var verifiedBy = ""

    /// Bytes a full flash of the target would send.
    public var fullFlashBytes: UInt64 { targetBytes }

    public var text: String {
        let share = fullFlashBytes == 0 ? 0 : Double(bytesSent) * 100 / Double(fullFlashBytes)
        return """
        SUCCESS: delta onto \(partition) (\(target))
          source confirmed by \(sourceConfirmedBy)\(bytesReadBack > 0 ? " (\(bytesReadBack) bytes read)" : "")
          blocks written \(blocksWritten) of \(blocksTotal) (\(blockSize)-byte blocks)\(wholePartition
              ? "; \(blocksDiffering) differ, but \(target) rewrites a partition from its start" : "")
          bytes sent \(bytesSent) of \(fullFlashBytes) for a full flash (\(String(format: "%.1f", share)) %), patch \(patchBytes) bytes
          verified by \(verifiedBy)
        """
    }
}

/// Why a differential flash stopped.
public enum DifferentialFlashError: ActionableError {
    case regionTooSmall(region: FlashRegion, needed: UInt64)
    case blockSizeMismatch(blockSize: Int, granularity: Int)
    case deviceHoldsOtherContent(region: FlashRegion, checkedBy: String)
    case verificationFailed(region: FlashRegion, checkedBy: String)

    public var exitStatus: ExitStatus { .updateFailed }

    public var description: String {
        switch self {
        case let .regionTooSmall(region, needed):
            return "\(region) is smaller than the patch's \(needed)-byte source or target"
        case let .blockSizeMismatch(blockSize, granularity):
            return "the patch's \(blockSize)-byte blocks do not divide into the device's \(granularity)-byte write units"
        case let .deviceHoldsOtherContent(region, checkedBy):
            return "\(region) does not hold the patch's source (checked by \(checkedBy)); nothing was written"
        case let .verificationFailed(region, checkedBy):
            return "\(region) does not hold the patch's target after writing (checked by \(checkedBy))"
        }
    }

    public var advice: String? {
        switch self {
        case .deviceHoldsOtherContent: return "flash the full image instead, or use the patch made from the firmware the unit runs"
        case .verificationFailed: return "flash the full image; the storage may be failing"
        case .regionTooSmall: return "check --partition"
        case .blockSizeMismatch: return "make the patch with --block-size equal to or a multiple of the device's write unit"
        }
    }
}
