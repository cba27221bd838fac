/// A byte range of a device's storage: a partition, or any range of a LUN / chip.
public struct FlashRegion: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The partition's label when the region is one (GPT label, MIBIB name, profile name).
    public var partition: String?
    /// Physical partition (UFS LUN, eMMC area) or chip index; 0 when the device has one.
    public var lun: Int
    /// Byte offset from the start of the LUN or chip.
    public var offset: UInt64
    /// Length in bytes.
    public var length: UInt64

    /// A region.
    public init(partition: String? = nil, lun: Int = 0, offset: UInt64, length: UInt64) {
        self.partition = partition
        self.lun = lun
        self.offset = offset
        self.length = length
    }

    /// The first byte after the region.
    public var end: UInt64 { offset + length }

    /// `lun` of a region known only by its partition's label until the unit's partition
    /// table is read (a plan made before the device is reached, placed when it is opened).
    public static let labelOnly = -1

    /// A partition named by label, to be placed on the unit later.
    public static func label(_ name: String, length: UInt64) -> FlashRegion {
        FlashRegion(partition: name, lun: labelOnly, offset: 0, length: length)
    }

    /// Whether the region still waits for its place on the unit.
    public var isLabelOnly: Bool { lun == Self.labelOnly }

    public var description: String {
        if isLabelOnly, let partition { return "\(partition) (by label: LUN and sectors from the unit's GPT)" }
        let range = "LUN \(lun) bytes \(offset)+\(length)"
        return partition.map { "\($0) (\(range))" } ?? range
    }
}

/// A digest a device can compute over its own storage, sparing a read-back.
public enum DeviceDigestKind: String, Sendable, Codable {
    /// SHA-256 (Firehose `getsha256digest`).
    case sha256
    /// CRC-32 as zlib computes it (U-Boot `crc32`).
    case crc32
}

/// What to do with the device once the work is done.
public enum FinishAction: String, Sendable, Codable {
    case reset, powerOff = "off", stay
}

/// Reports progress of a long transfer: bytes done of the total.
public typealias ProgressSink = (_ done: UInt64, _ total: UInt64) -> Void

/// The device side that termflash's update engine drives: whatever protocol a unit speaks
/// (Firehose, Streaming DLOAD, a U-Boot console), it reads, writes, erases and digests
/// regions of its storage. Implementations live beside their protocol; the engine never
/// asks which one it has.
///
/// Contract: `write` erases what it must first and writes exactly `region.length` bytes
/// from the source (padding the last unit with zeros is the implementation's job); on
/// failure it throws ``FlashTargetError/interrupted(region:bytesWritten:reason:)`` with the
/// bytes known to be on the device, so the caller can report the device state and resume.
public protocol FlashTarget: AnyObject {
    /// For reports: `firehose on usb 1-2`, `u-boot on /dev/ttyUSB0`.
    var name: String { get }
    /// The unit writes and erases are made of, in bytes (sector, page or erase block).
    var writeGranularity: Int { get }
    /// The unit writes and erases of `region` are made of, where the device has chips or
    /// LUNs with different units (a router's SPI-NOR and NAND).
    func writeGranularity(for region: FlashRegion) -> Int
    /// Digests the device computes itself, preferred first; empty when it has none.
    var deviceDigests: [DeviceDigestKind] { get }
    /// Whether writes must start at a partition's first byte because the device erases the
    /// partition as it writes it (Streaming DLOAD): a partition is then rewritten whole,
    /// never patched block by block.
    var rewritesWholePartitions: Bool { get }

    /// The partitions the device or its profile knows.
    func partitions() throws -> [FlashRegion]
    /// Streams the region's bytes to `sink` in order.
    func read(_ region: FlashRegion, into sink: (ArraySlice<UInt8>) throws -> Void, progress: ProgressSink?) throws
    /// Writes `source` (exactly `region.length` bytes) to the region.
    func write(_ region: FlashRegion, from source: ByteSource, progress: ProgressSink?) throws
    /// Erases the region.
    func erase(_ region: FlashRegion) throws
    /// A digest the device computes over the region; the kind must be in ``deviceDigests``.
    /// SHA-256 comes as its 32 bytes, CRC-32 as 4 bytes, most significant first.
    func digest(_ region: FlashRegion, kind: DeviceDigestKind) throws -> [UInt8]
    /// Ends the session (reset, power off or stay).
    func finish(_ action: FinishAction) throws
    /// Runs a protocol-specific step of a plan (Firehose `patch`, `setbootablestoragedrive`…).
    func perform(_ command: TargetCommand) throws
}

extension FlashTarget {
    /// Most targets write any aligned range.
    public var rewritesWholePartitions: Bool { false }

    /// One unit for the whole device.
    public func writeGranularity(for region: FlashRegion) -> Int { writeGranularity }

    /// Targets without protocol-specific steps refuse them.
    public func perform(_ command: TargetCommand) throws {
        throw FlashTargetError.refused(command: command.name, reason: "\(name) has no such step", log: [])
    }
}

/// A protocol-specific step a plan asks a target to run, with its attributes.
public struct TargetCommand: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The step's name (`patch`, `setbootablestoragedrive`, `nand-erase`…).
    public var name: String
    /// Its attributes, as the protocol names them.
    public var attributes: [String: String]

    /// A step.
    public init(name: String, attributes: [String: String] = [:]) {
        self.name = name
        self.attributes = attributes
    }

    public var description: String {
        ([name] + attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
    }
}

/// A failure of a flash target, with what the device holds now.
public enum FlashTargetError: Error, CustomStringConvertible {
    /// A write stopped part-way: `bytesWritten` bytes from the region's start are on the device.
    case interrupted(region: FlashRegion, bytesWritten: UInt64, reason: String)
    /// The device refused a command (a NAK, an error reply) before changing anything.
    case refused(command: String, reason: String, log: [String])
    /// The region does not exist or lies outside the storage.
    case outOfRange(region: FlashRegion, storageBytes: UInt64)
    /// The device cannot compute this digest.
    case unsupportedDigest(DeviceDigestKind)

    public var description: String {
        switch self {
        case let .interrupted(region, written, reason):
            return "writing \(region) stopped after \(written) of \(region.length) bytes: \(reason)"
        case let .refused(command, reason, log):
            return "the device refused \(command): \(reason)" + (log.isEmpty ? "" : " (device log: \(log.joined(separator: " | ")))")
        case let .outOfRange(region, size):
            return "\(region) lies outside the storage (\(size) bytes)"
        case let .unsupportedDigest(kind):
            return "the device cannot compute \(kind.rawValue) digests; a read-back is needed"
        }
    }
}
