import TermflashCore
import TermflashCrypto

/// A router's flash through its U-Boot console: the engine's reads, writes, erases and
/// CRC-32 digests become the console operations of a ``UBootFlashPlanner``. A region's
/// `lun` is the index of its chip in ``chips``. When the build has `sha1sum`, `md5sum` or
/// `hash` (probed once, before the first write), every chunk read back from flash is also
/// checked with it.
public final class UBootFlashTarget: FlashTarget {
    public let console: UBootConsole
    public let chips: [UBootChip]
    public let window: UBootRAMWindow
    public let upload: XModemVariant
    private let regions: [FlashRegion]
    private var preparedChips: Set<Int> = []

    /// A target over an attached console.
    public init(console: UBootConsole, chips: [UBootChip], partitions: [FlashRegion], window: UBootRAMWindow,
                upload: XModemVariant = .ymodem) {
        self.console = console
        self.chips = chips
        self.window = window
        self.upload = upload
        regions = partitions
    }

    public var name: String { "u-boot on \(console.transport.name)" }

    public var writeGranularity: Int { chips.map(\.unit).min() ?? 512 }

    /// The erase unit of the chip `region` lies on.
    public func writeGranularity(for region: FlashRegion) -> Int {
        chips.indices.contains(region.lun) ? chips[region.lun].unit : writeGranularity
    }

    public var deviceDigests: [DeviceDigestKind] { [.crc32] }

    public func partitions() throws -> [FlashRegion] { regions }

    /// The planner for the chip a region lives on.
    public func planner(for region: FlashRegion) throws -> UBootFlashPlanner {
        guard chips.indices.contains(region.lun) else {
            throw FlashTargetError.outOfRange(region: region, storageBytes: 0)
        }
        return UBootFlashPlanner(chip: chips[region.lun], window: window, upload: upload)
    }

    public func write(_ region: FlashRegion, from source: ByteSource, progress: ProgressSink?) throws {
        let digestCommand = try console.digestCommand(scratchAddress: window.loadAddress)
        let operations = try withoutPrelude(region) { planner in
            var planner = planner
            planner.digestCommand = digestCommand
            return try planner.write(offset: region.offset, length: region.length)
        }
        var written: UInt64 = 0
        do {
            for operation in operations {
                try execute(operation, source: source, progress: { done, _ in progress?(written + done, region.length) })
                if case let .verify(_, chunk, what) = operation, what.hasPrefix("flash") {
                    written = chunk.sourceOffset + UInt64(chunk.length)
                    progress?(written, region.length)
                }
            }
        } catch {
            throw Self.classify(error, region: region, written: written)
        }
    }

    /// What the engine should make of a failed write: a port that broke or a replay that
    /// diverged is final, a refused command is the device's answer, anything else (a
    /// timeout, a CRC that disagrees, an upload that gave up) may go better a second time.
    static func classify(_ error: Error, region: FlashRegion, written: UInt64) -> Error {
        switch error {
        case let UBootError.transport(_, transport) where !transport.isTimeout:
            return transport
        case let transport as TransportError where !transport.isTimeout:
            return transport
        case let UBootError.commandFailed(command, line, output):
            return FlashTargetError.refused(command: command, reason: line, log: output)
        default:
            return FlashTargetError.interrupted(region: region, bytesWritten: written, reason: "\(error)")
        }
    }

    public func read(_ region: FlashRegion, into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink?) throws {
        let operations = try withoutPrelude(region) { try $0.read(offset: region.offset, length: region.length) }
        var done: UInt64 = 0
        for operation in operations {
            guard case let .dump(address, length, _) = operation else {
                try execute(operation, source: nil, progress: nil)
                continue
            }
            let bytes = try dumpWithRetry(address: address, length: length)
            try sink(bytes[...])
            done += UInt64(bytes.count)
            progress?(done, region.length)
        }
    }

    public func erase(_ region: FlashRegion) throws {
        for operation in try withoutPrelude(region, { try $0.erase(offset: region.offset, length: region.length) }) {
            try execute(operation, source: nil, progress: nil)
        }
    }

    public func digest(_ region: FlashRegion, kind: DeviceDigestKind) throws -> [UInt8] {
        guard kind == .crc32 else { throw FlashTargetError.unsupportedDigest(kind) }
        var combined: UInt32 = 0
        for operation in try withoutPrelude(region, { try $0.digest(offset: region.offset, length: region.length) }) {
            guard case let .checksum(address, length) = operation else {
                try execute(operation, source: nil, progress: nil)
                continue
            }
            let piece = try console.crc32(address: address, length: UInt64(length))
            combined = CRC32.combine(combined, piece, lengthB: UInt64(length))
        }
        return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: combined >> $0) }
    }

    public func finish(_ action: FinishAction) throws {
        if action == .reset { try console.send("reset") }
    }

    // MARK: Running operations

    /// The chip's operations, with its prelude (`sf probe`…) only the first time.
    private func withoutPrelude(_ region: FlashRegion,
                                _ build: (UBootFlashPlanner) throws -> [UBootOperation]) throws -> [UBootOperation] {
        let planner = try planner(for: region)
        let operations = try build(planner)
        guard preparedChips.insert(region.lun).inserted else { return Array(operations.dropFirst(planner.prelude.count)) }
        return operations
    }

    private func execute(_ operation: UBootOperation, source: ByteSource?, progress: ProgressSink?) throws {
        switch operation {
        case let .run(command, expectOK):
            try console.run(command, timeout: longTimeout(for: command), expectOK: expectOK)
        case let .upload(variant, address, chunk):
            let bytes = try chunkBytes(chunk, of: source)
            try console.upload(MemoryByteSource(bytes), variant: variant, to: address, progress: progress)
        case let .verify(address, chunk, what):
            let bytes = try chunkBytes(chunk, of: source)
            try console.verifyCRC32(address: address, length: UInt64(bytes.count), expected: CRC32.checksum(bytes), what: what)
        case let .verifyDigest(command, address, chunk, what):
            let bytes = try chunkBytes(chunk, of: source)
            try console.verifyDigest(command, address: address, length: UInt64(bytes.count),
                                     expected: MessageDigest.hash(command.algorithm, bytes), what: what)
        case let .dump(address, length, _):
            _ = try console.readMemory(address: address, length: length)
        case let .checksum(address, length):
            _ = try console.crc32(address: address, length: UInt64(length))
        }
    }

    private func chunkBytes(_ chunk: UBootChunk, of source: ByteSource?) throws -> [UInt8] {
        guard let source else { return [] }
        var bytes = try source.read(offset: chunk.sourceOffset, length: chunk.length)
        guard bytes.count == chunk.length else {
            throw XModemError.source(offset: chunk.sourceOffset + UInt64(bytes.count), reason: "the image ended early")
        }
        bytes += [UInt8](repeating: chunk.padding, count: chunk.paddedLength - chunk.length)
        return bytes
    }

    /// `md.b` output can lose a character on a noisy line: one more try before giving up.
    private func dumpWithRetry(address: UInt64, length: Int) throws -> [UInt8] {
        do {
            return try console.readMemory(address: address, length: length)
        } catch UBootError.crcMismatch, UBootError.unexpectedOutput {
            return try console.readMemory(address: address, length: length)
        }
    }

    /// Erases and writes of whole chunks take far longer than ordinary commands.
    private func longTimeout(for command: String) -> Double {
        let words = command.split(separator: " ")
        let count = words.last.flatMap { UInt64($0.dropFirst(2), radix: 16) } ?? 0
        let bytes = ["mmc", "virtio"].contains(words.first.map(String.init) ?? "") ? count * 512 : count
        let isTransfer = ["erase", "write", "read"].contains(words.dropFirst().first.map(String.init) ?? "")
        return console.settings.commandTimeoutSeconds + (isTransfer ? Double(bytes) / 100_000 : 0)
    }
}

extension TransportError {
    var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }
}
