import TermflashCore

/// The host's Streaming DLOAD hello: magic[32] "QCOM fast download protocol host",
/// version, compatible version, feature bits (PROTOCOLS.md B3).
public struct StreamingHello: Sendable, Equatable {
    /// The magic the host sends (padded to 32 bytes).
    public static let hostMagic = "QCOM fast download protocol host"
    /// The magic the device answers with.
    public static let targetMagic = "QCOM fast download protocol targ"

    public var version: UInt8
    public var compatibleVersion: UInt8
    public var featureBits: UInt8

    /// A hello (version 8, compatible 2, uncompressed download + NAND bootable images by default).
    public init(version: UInt8 = 8, compatibleVersion: UInt8 = 2, featureBits: UInt8 = 0x09) {
        self.version = version
        self.compatibleVersion = compatibleVersion
        self.featureBits = featureBits
    }

    init(_ reader: inout ByteReader) throws {
        let magic = try reader.read(count: 32)
        guard magic == fixedField(Self.hostMagic, 32) else { throw StreamingDLoadError.badMagic(found: fixedString(magic)) }
        version = try reader.readByte()
        compatibleVersion = try reader.readByte()
        featureBits = try reader.readByte()
    }

    var body: [UInt8] { fixedField(Self.hostMagic, 32) + [version, compatibleVersion, featureBits] }
}

/// The device's hello reply: magic, version, compatible version, preferred block size,
/// flash base address, flash id, window size, sector sizes, feature bits.
public struct StreamingHelloReply: Sendable, Equatable, Codable {
    public var version: UInt8
    public var compatibleVersion: UInt8
    /// The largest write payload the device prefers.
    public var maxPreferredBlockSize: UInt32
    public var baseFlashAddress: UInt32
    /// The flash chip's name (e.g. `NAND 256MiB 1.8V 16-bit`).
    public var flashID: String
    /// How many stream writes may be outstanding before the host waits for replies.
    public var windowSize: UInt16
    public var sectorSizes: [UInt32]
    public var featureBits: UInt8

    /// A reply.
    public init(version: UInt8 = 8, compatibleVersion: UInt8 = 2, maxPreferredBlockSize: UInt32, baseFlashAddress: UInt32 = 0,
                flashID: String, windowSize: UInt16, sectorSizes: [UInt32], featureBits: UInt8 = 0x09) {
        self.version = version
        self.compatibleVersion = compatibleVersion
        self.maxPreferredBlockSize = maxPreferredBlockSize
        self.baseFlashAddress = baseFlashAddress
        self.flashID = flashID
        self.windowSize = windowSize
        self.sectorSizes = sectorSizes
        self.featureBits = featureBits
    }

    init(_ reader: inout ByteReader) throws {
        let magic = try reader.read(count: 32)
        guard magic == fixedField(StreamingHello.targetMagic, 32) else { throw StreamingDLoadError.badMagic(found: fixedString(magic)) }
        version = try reader.readByte()
        compatibleVersion = try reader.readByte()
        maxPreferredBlockSize = try reader.read(UInt32.self, endianness: .little)
        baseFlashAddress = try reader.read(UInt32.self, endianness: .little)
        let idLength = Int(try reader.readByte())
        flashID = fixedString(try reader.read(count: idLength))
        windowSize = try reader.read(UInt16.self, endianness: .little)
        let sectors = Int(try reader.read(UInt16.self, endianness: .little))
        var sizes: [UInt32] = []
        for _ in 0..<sectors { sizes.append(try reader.read(UInt32.self, endianness: .little)) }
        sectorSizes = sizes
        featureBits = try reader.readByte()
    }

    var body: [UInt8] {
        var writer = ByteWriter()
        writer.write(fixedField(StreamingHello.targetMagic, 32) + [version, compatibleVersion])
        writer.write(maxPreferredBlockSize, endianness: .little)
        writer.write(baseFlashAddress, endianness: .little)
        let id = Array(flashID.utf8.prefix(255))
        writer.write([UInt8(id.count)] + id)
        writer.write(windowSize, endianness: .little)
        writer.write(UInt16(sectorSizes.count), endianness: .little)
        sectorSizes.forEach { writer.write($0, endianness: .little) }
        writer.write([featureBits])
        return writer.bytes
    }
}
