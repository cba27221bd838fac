/// One flash device as U-Boot addresses it.
public struct UBootChip: Sendable, Equatable {
    public var kind: UBootFlashKind
    /// `mmc dev N` / `virtio dev N`; NAND and SPI-NOR use device 0.
    public var device: Int
    /// Erase block (NAND, SPI-NOR); writes and erases are aligned to it.
    public var eraseBlockSize: Int?
    /// The chip's size, when known.
    public var sizeBytes: UInt64?

    public init(kind: UBootFlashKind, device: Int = 0, eraseBlockSize: Int? = nil, sizeBytes: UInt64? = nil) {
        self.kind = kind
        self.device = device
        self.eraseBlockSize = eraseBlockSize
        self.sizeBytes = sizeBytes
    }

    /// The unit writes are padded and aligned to: the erase block, or 512-byte blocks.
    public var unit: Int {
        switch kind {
        case .nand: return eraseBlockSize ?? 0x20000
        case .spiNOR: return eraseBlockSize ?? 0x10000
        case .emmc, .virtio: return 512
        }
    }
}

/// The RAM U-Boot may use for images: the profile's load address and window.
public struct UBootRAMWindow: Sendable, Equatable {
    public var loadAddress: UInt64
    public var size: UInt64

    public init(loadAddress: UInt64, size: UInt64) {
        self.loadAddress = loadAddress
        self.size = size
    }
}

/// A slice of the image: `length` bytes from `sourceOffset`, sent padded to `paddedLength`.
public struct UBootChunk: Sendable, Equatable, Codable {
    public var sourceOffset: UInt64
    public var length: Int
    public var paddedLength: Int
    public var padding: UInt8
}

/// One thing the host does on the console. The plan for a write, a backup or a digest is a
/// list of these, built without a device, so `--dry-run` prints exactly what will be sent.
public enum UBootOperation: Sendable, Equatable, CustomStringConvertible {
    /// A command; its output must hold no failure line, and `OK` when `expectOK`.
    case run(String, expectOK: Bool)
    /// `loadx`/`loady` to `address`, then the chunk's bytes.
    case upload(XModemVariant, address: UInt64, chunk: UBootChunk)
    /// `crc32 address paddedLength` must equal the host's CRC-32 of the padded chunk.
    case verify(address: UInt64, chunk: UBootChunk, what: String)
    /// `md5sum`/`sha1sum`/`hash` of the padded chunk at `address` must equal the host's digest.
    case verifyDigest(UBootDigestCommand, address: UInt64, chunk: UBootChunk, what: String)
    /// `md.b address length` (checked by `crc32`): bytes `regionOffset…` of a backup.
    case dump(address: UInt64, length: Int, regionOffset: UInt64)
    /// `crc32 address length`: one piece of a device-side digest.
    case checksum(address: UInt64, length: Int)

    /// The console line(s) as sent, with what is checked.
    public var description: String {
        switch self {
        case let .run(command, _): return command
        case let .upload(variant, address, chunk):
            return "\(variant == .ymodem ? "loady" : "loadx") \(hex(address))   # \(variant.rawValue) upload of image bytes \(chunk.sourceOffset)+\(chunk.length)"
                + (chunk.paddedLength > chunk.length ? " padded to \(chunk.paddedLength)" : "")
        case let .verify(address, chunk, what):
            return "crc32 \(hex(address)) \(hex(UInt64(chunk.paddedLength)))   # must equal the host's CRC-32 (\(what))"
        case let .verifyDigest(command, address, chunk, what):
            return command.line(address: address, length: UInt64(chunk.paddedLength))
                + "   # must equal the host's \(command.algorithm.displayName) (\(what))"
        case let .dump(address, length, _):
            return "md.b \(hex(address)) \(hex(UInt64(length)))   # then crc32 \(hex(address)) \(hex(UInt64(length))) checks the dump"
        case let .checksum(address, length):
            return "crc32 \(hex(address)) \(hex(UInt64(length)))"
        }
    }
}

/// Why a region cannot be planned.
public enum UBootPlanError: Error, Equatable, CustomStringConvertible {
    case misaligned(offset: UInt64, unit: Int, kind: UBootFlashKind)
    case windowTooSmall(window: UInt64, unit: Int)

    public var description: String {
        switch self {
        case let .misaligned(offset, unit, kind):
            return "offset \(hex(offset)) is not a multiple of the \(kind.rawValue) unit \(hex(UInt64(unit)))"
        case let .windowTooSmall(window, unit):
            return "the RAM window (\(hex(window)) bytes) cannot hold two \(hex(UInt64(unit)))-byte units (an upload and its read-back)"
        }
    }
}

/// Builds the console operations that write, back up and digest regions of one chip,
/// splitting images larger than the RAM window into chunks that fit. The first half of the
/// window takes uploads, the second half read-backs, so a read that silently failed cannot
/// leave the uploaded bytes behind to pass the check.
public struct UBootFlashPlanner: Sendable {
    public var chip: UBootChip
    public var window: UBootRAMWindow
    public var upload: XModemVariant
    /// Bytes per `md.b` command when backing up (16 bytes a line, about 4.5 characters a byte).
    public var dumpPieceBytes = 0x1000
    /// The build's strong digest command (found by ``UBootConsole/digestCommand(scratchAddress:)``):
    /// each chunk read back from flash is checked with it before `crc32`. Nil: `crc32` alone.
    public var digestCommand: UBootDigestCommand?

    public init(chip: UBootChip, window: UBootRAMWindow, upload: XModemVariant = .ymodem,
                digestCommand: UBootDigestCommand? = nil) {
        self.chip = chip
        self.window = window
        self.upload = upload
        self.digestCommand = digestCommand
    }

    /// The largest chunk: half the window, a whole number of units.
    public func chunkCapacity() throws(UBootPlanError) -> Int {
        let half = Int(min(window.size / 2, UInt64(Int32.max)))
        let capacity = half - half % chip.unit
        guard capacity > 0 else { throw .windowTooSmall(window: window.size, unit: chip.unit) }
        return capacity
    }

    /// Where read-backs go.
    public func verifyAddress() throws(UBootPlanError) -> UInt64 {
        window.loadAddress + UInt64(try chunkCapacity())
    }

    /// Commands run once before the chip is used (`sf probe`, `mmc dev N`).
    public var prelude: [UBootOperation] {
        switch chip.kind {
        case .nand: return []
        case .spiNOR: return [.run("sf probe", expectOK: false)]
        case .emmc: return [.run("mmc dev \(chip.device)", expectOK: false)]
        case .virtio: return [.run("virtio dev \(chip.device)", expectOK: false)]
        }
    }

    /// Writing `length` image bytes at chip offset `offset`: per chunk upload, check the
    /// upload, erase, write, read back into the second half, check again (with the strong
    /// digest first when the build has one, then `crc32`).
    public func write(offset: UInt64, length: UInt64) throws(UBootPlanError) -> [UBootOperation] {
        try checkAlignment(offset)
        let capacity = try chunkCapacity()
        let verifyAt = try verifyAddress()
        var operations = prelude
        var done: UInt64 = 0
        while done < length {
            let size = Int(min(UInt64(capacity), length - done))
            let padded = roundUp(size)
            let chunk = UBootChunk(sourceOffset: done, length: size, paddedLength: padded, padding: chip.kind.erasedValue)
            let flashOffset = offset + done
            operations.append(.upload(upload, address: window.loadAddress, chunk: chunk))
            operations.append(.verify(address: window.loadAddress, chunk: chunk, what: "upload of bytes \(done)+\(size)"))
            operations += erase(at: flashOffset, length: UInt64(padded))
            operations.append(.run(transfer("write", address: window.loadAddress, offset: flashOffset, length: padded), expectOK: true))
            operations.append(.run(transfer("read", address: verifyAt, offset: flashOffset, length: padded), expectOK: true))
            if let digestCommand {
                let range = "flash \(hex(flashOffset))...\(hex(flashOffset + UInt64(padded) - 1))"
                operations.append(.verifyDigest(digestCommand, address: verifyAt, chunk: chunk, what: range))
            }
            operations.append(.verify(address: verifyAt, chunk: chunk, what: "flash at \(hex(flashOffset))"))
            done += UInt64(size)
        }
        return operations
    }

    /// Reading `length` bytes at `offset` for a backup: a chunk into RAM, then `md.b` pieces.
    public func read(offset: UInt64, length: UInt64) throws(UBootPlanError) -> [UBootOperation] {
        try checkAlignment(offset)
        var operations = prelude
        try forEachChunk(offset: offset, length: length) { chunkOffset, size in
            operations.append(.run(transfer("read", address: window.loadAddress, offset: offset + chunkOffset, length: roundUp(size)), expectOK: true))
            var piece = 0
            while piece < size {
                let pieceLength = min(dumpPieceBytes, size - piece)
                operations.append(.dump(address: window.loadAddress + UInt64(piece), length: pieceLength,
                                        regionOffset: chunkOffset + UInt64(piece)))
                piece += pieceLength
            }
        }
        return operations
    }

    /// The device-side CRC-32 of `length` bytes at `offset`: per chunk a read and a `crc32`,
    /// combined on the host.
    public func digest(offset: UInt64, length: UInt64) throws(UBootPlanError) -> [UBootOperation] {
        try checkAlignment(offset)
        var operations = prelude
        try forEachChunk(offset: offset, length: length) { chunkOffset, size in
            operations.append(.run(transfer("read", address: window.loadAddress, offset: offset + chunkOffset, length: roundUp(size)), expectOK: true))
            operations.append(.checksum(address: window.loadAddress, length: size))
        }
        return operations
    }

    /// Erasing `length` bytes at `offset` (block devices: zeros written from RAM).
    public func erase(offset: UInt64, length: UInt64) throws(UBootPlanError) -> [UBootOperation] {
        try checkAlignment(offset)
        var operations = prelude
        if chip.kind.countsBlocks {
            let capacity = UInt64(try chunkCapacity())
            operations.append(.run("mw.b \(hex(window.loadAddress)) 0 \(hex(capacity))", expectOK: false))
        }
        try forEachChunk(offset: offset, length: length) { chunkOffset, size in
            operations += erase(at: offset + chunkOffset, length: UInt64(roundUp(size)))
            if chip.kind.countsBlocks {
                operations.append(.run(transfer("write", address: window.loadAddress, offset: offset + chunkOffset, length: roundUp(size)), expectOK: true))
            }
        }
        return operations
    }

    // MARK: Commands

    private func erase(at offset: UInt64, length: UInt64) -> [UBootOperation] {
        switch chip.kind {
        case .nand: return [.run("nand erase \(hex(offset)) \(hex(length))", expectOK: true)]
        case .spiNOR: return [.run("sf erase \(hex(offset)) \(hex(length))", expectOK: true)]
        case .emmc, .virtio: return []  // block devices are overwritten in place
        }
    }

    private func transfer(_ action: String, address: UInt64, offset: UInt64, length: Int) -> String {
        switch chip.kind {
        case .nand: return "nand \(action) \(hex(address)) \(hex(offset)) \(hex(UInt64(length)))"
        case .spiNOR: return "sf \(action) \(hex(address)) \(hex(offset)) \(hex(UInt64(length)))"
        case .emmc: return "mmc \(action) \(hex(address)) \(hex(offset / 512)) \(hex(UInt64(length / 512)))"
        case .virtio: return "virtio \(action) \(hex(address)) \(hex(offset / 512)) \(hex(UInt64(length / 512)))"
        }
    }

    private func forEachChunk(offset: UInt64, length: UInt64,
                              _ body: (_ chunkOffset: UInt64, _ size: Int) throws(UBootPlanError) -> Void) throws(UBootPlanError) {
        let capacity = try chunkCapacity()
        var done: UInt64 = 0
        while done < length {
            let size = Int(min(UInt64(capacity), length - done))
            try body(done, size)
            done += UInt64(size)
        }
    }

    private func roundUp(_ size: Int) -> Int {
        (size + chip.unit - 1) / chip.unit * chip.unit
    }

    private func checkAlignment(_ offset: UInt64) throws(UBootPlanError) {
        guard offset % UInt64(chip.unit) == 0 else { throw .misaligned(offset: offset, unit: chip.unit, kind: chip.kind) }
    }
}
