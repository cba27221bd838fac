import Foundation
import TermflashCore

/// An OpenWrt firmware file: a sysupgrade image (a kernel/rootfs body followed by fwtool
/// chunks — JSON metadata and a usign signature, each closed by a 16-byte big-endian trailer
/// `FWx0`, CRC-32 without final inversion of every byte before the trailer, type, chunk size)
/// or a factory image (UBI, uImage, FIT or TRX without metadata).
public struct OpenWrtImage: Sendable, Encodable {
    /// What the bytes before the fwtool chunks are.
    public enum Body: String, Sendable, Encodable {
        case uImage = "uImage"
        case fit = "FIT"
        case ubi = "UBI"
        case trx = "TRX"
        /// A NAND sysupgrade tar (`sysupgrade-<board>/CONTROL`, `kernel`, `root`).
        case nandTar = "sysupgrade tar"
        case unknown
    }

    public let path: String
    /// `sysupgrade` (has fwtool metadata) or `factory`.
    public let kind: String
    public let body: Body
    /// Bytes of the body (what goes on flash).
    public let bodyLength: UInt64
    /// `supported_devices` from the metadata, e.g. `zte,mf286d`.
    public let supportedDevices: [String]
    /// `version.version`, `version.revision`, `version.target`, `version.board`, `compat_version`.
    public let metadata: [String: String]
    /// Whether a usign signature chunk is present (OpenWrt's own keys; termflash does not check it).
    public let hasUsignSignature: Bool
    /// Board named by a NAND sysupgrade tar's CONTROL file, or the uImage name.
    public let bodyName: String?

    static let trailerMagic: UInt32 = 0x4657_7830
    static let trailerLength = 16

    /// Whether a file starts or ends like an OpenWrt image.
    public static func looksLikeOpenWrt(head: [UInt8], tail: [UInt8]) -> Bool {
        if tail.count >= trailerLength, readBE32(tail, tail.count - trailerLength) == trailerMagic { return true }
        return bodyKind(head) != .unknown
    }

    /// Reads and checks the file at `path`: every fwtool trailer's CRC, the metadata JSON, the
    /// uImage header and data CRCs.
    public static func read(path: String) throws -> OpenWrtImage {
        try read(try RandomAccessFile(path: path))
    }

    /// Reads an image from memory (fuzzing).
    public static func read(bytes: [UInt8], name: String) throws -> OpenWrtImage {
        try read(RandomAccessFile(bytes: bytes, name: name))
    }

    static func read(_ file: RandomAccessFile) throws -> OpenWrtImage {
        let path = file.path
        let chunks = try readChunks(file)
        try checkCRCs(file, chunks: chunks)
        let bodyLength = chunks.last?.start ?? file.size
        var metadata: [String: String] = [:], devices: [String] = []
        if let info = chunks.first(where: { $0.type == 1 }) {
            (devices, metadata) = try parseMetadata(file, info, path: path)
        }
        let head = try file.read(at: 0, count: Int(min(bodyLength, 1024)))
        let body = bodyKind(head)
        let name = try checkBody(body, file: file, length: bodyLength, path: path)
        let kind = chunks.contains { $0.type == 1 } ? "sysupgrade" : "factory"
        return OpenWrtImage(path: path, kind: kind, body: body, bodyLength: bodyLength, supportedDevices: devices,
                            metadata: metadata, hasUsignSignature: chunks.contains { $0.type == 0 }, bodyName: name)
    }

    /// Refuses the image for `profile` (`vendor,model` in lower case, as OpenWrt names boards)
    /// when its metadata lists other devices only.
    public func checkSupports(vendor: String, model: String) throws {
        let board = "\(vendor),\(model)".lowercased()
        guard supportedDevices.isEmpty || supportedDevices.contains(where: { $0.lowercased() == board }) else {
            throw PackageError.vendorFormat(path: path, reason: "metadata field supported_devices is \(supportedDevices.joined(separator: ", ")); the device profile is \(board)")
        }
    }

    struct Chunk { let start: UInt64; let trailerOffset: UInt64; let type: UInt8; let crc: UInt32 }

    private static func readChunks(_ file: RandomAccessFile) throws -> [Chunk] {
        var chunks: [Chunk] = []
        var end = file.size
        while end >= UInt64(trailerLength), chunks.count < 8 {
            let trailer = try file.read(at: end - UInt64(trailerLength), count: trailerLength)
            guard readBE32(trailer, 0) == trailerMagic else { break }
            let size = UInt64(readBE32(trailer, 12))
            guard size >= UInt64(trailerLength), size <= end else {
                throw PackageError.vendorFormat(path: file.path, reason: "fwtool trailer at byte \(end - 16) declares a chunk of \(size) bytes, the file has \(end) before it")
            }
            chunks.append(Chunk(start: end - size, trailerOffset: end - UInt64(trailerLength), type: trailer[8], crc: readBE32(trailer, 4)))
            end -= size
        }
        return chunks
    }

    private static func checkCRCs(_ file: RandomAccessFile, chunks: [Chunk]) throws {
        guard !chunks.isEmpty else { return }
        var crc = CRC32()
        var position: UInt64 = 0
        for chunk in chunks.sorted(by: { $0.trailerOffset < $1.trailerOffset }) {
            while position < chunk.trailerOffset {
                let bytes = try file.read(at: position, count: Int(min(chunk.trailerOffset - position, 1 << 20)))
                crc.update(bytes)
                position += UInt64(bytes.count)
            }
            let computed = ~crc.value
            guard computed == chunk.crc else {
                throw PackageError.vendorFormat(path: file.path, reason: String(format: "fwtool trailer at byte %llu: crc32 field 0x%08x, the bytes before it give 0x%08x (damaged or altered)", chunk.trailerOffset, chunk.crc, computed))
            }
        }
    }

    private static func parseMetadata(_ file: RandomAccessFile, _ chunk: Chunk, path: String) throws -> ([String], [String: String]) {
        let jsonStart = chunk.start + 8
        guard chunk.trailerOffset >= jsonStart, chunk.trailerOffset - jsonStart <= 64 * 1024 else {
            throw PackageError.vendorFormat(path: path, reason: "fwtool metadata chunk of \(chunk.trailerOffset - chunk.start) bytes is out of bounds")
        }
        let bytes = try file.read(at: jsonStart, count: Int(chunk.trailerOffset - jsonStart))
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes.prefix { $0 != 0 })) as? [String: Any] else {
            throw PackageError.vendorFormat(path: path, reason: "fwtool metadata is not a JSON object")
        }
        let devices = (object["supported_devices"] as? [Any])?.compactMap { $0 as? String } ?? []
        var metadata: [String: String] = [:]
        if let compat = object["compat_version"] as? String { metadata["compat_version"] = compat }
        if let version = object["version"] as? [String: Any] {
            for key in ["dist", "version", "revision", "target", "board"] {
                if let value = version[key] as? String { metadata[key] = value }
            }
        }
        return (devices, metadata)
    }

    static func bodyKind(_ head: [UInt8]) -> Body {
        guard head.count >= 4 else { return .unknown }
        switch readBE32(head, 0) {
        case 0x2705_1956: return .uImage
        case 0xD00D_FEED: return .fit
        case 0x5542_4923: return .ubi
        case 0x4844_5230: return .trx
        default:
            if head.count >= 265, Array(head[257..<262]) == Array("ustar".utf8) { return .nandTar }
            return .unknown
        }
    }

    /// Checks the body's own header (uImage CRCs, FIT and TRX lengths); returns its name if it has one.
    private static func checkBody(_ body: Body, file: RandomAccessFile, length: UInt64, path: String) throws -> String? {
        switch body {
        case .uImage: return try UImageHeader.check(file, length: length, path: path)
        case .fit, .trx:
            let head = try file.read(at: 0, count: 8)
            let declared = UInt64(body == .fit ? readBE32(head, 4) : readLE32(head, 4))
            guard declared <= length else {
                throw PackageError.vendorFormat(path: path, reason: "\(body.rawValue) header declares \(declared) bytes, the image has \(length) (truncated)")
            }
            return nil
        case .nandTar: return try nandBoard(file, length: length)
        case .ubi, .unknown: return nil
        }
    }

    /// `BOARD=` from the `sysupgrade-*/CONTROL` member of a NAND sysupgrade tar.
    private static func nandBoard(_ file: RandomAccessFile, length: UInt64) throws -> String? {
        var offset: UInt64 = 0
        for _ in 0..<16 where offset + 512 <= length {
            let header = try file.read(at: offset, count: 512)
            guard header.contains(where: { $0 != 0 }) else { return nil }
            let name = String(decoding: header[0..<100].prefix { $0 != 0 }, as: UTF8.self)
            let sizeText = String(decoding: header[124..<135].filter { (0x30...0x37).contains($0) }, as: UTF8.self)
            let size = UInt64(sizeText, radix: 8) ?? 0
            if name.hasSuffix("/CONTROL"), size < 4096 {
                let text = String(decoding: try file.read(at: offset + 512, count: Int(size)), as: UTF8.self)
                return text.split(separator: "\n").first { $0.hasPrefix("BOARD=") }.map { String($0.dropFirst(6)) }
            }
            offset += 512 + (size + 511) / 512 * 512
        }
        return nil
    }
}

/// The 64-byte legacy U-Boot image header (`image_header_t`, big-endian): magic, header CRC,
/// time, data size, load address, entry point, data CRC, OS, architecture, type, compression, name.
enum UImageHeader {
    static func check(_ file: RandomAccessFile, length: UInt64, path: String) throws -> String {
        guard length >= 64 else { throw PackageError.vendorFormat(path: path, reason: "uImage header is cut short (\(length) bytes)") }
        var header = try file.read(at: 0, count: 64)
        let storedHeaderCRC = readBE32(header, 4)
        header.replaceSubrange(4..<8, with: [0, 0, 0, 0])
        let headerCRC = CRC32.checksum(header)
        guard headerCRC == storedHeaderCRC else {
            throw PackageError.vendorFormat(path: path, reason: String(format: "uImage header crc field 0x%08x, header gives 0x%08x", storedHeaderCRC, headerCRC))
        }
        let size = UInt64(readBE32(header, 12))
        guard 64 + size <= length else {
            throw PackageError.vendorFormat(path: path, reason: "uImage header declares \(size) data bytes, the image has \(length - 64) (truncated)")
        }
        var crc = CRC32()
        var position: UInt64 = 64
        while position < 64 + size {
            let bytes = try file.read(at: position, count: Int(min(64 + size - position, 1 << 20)))
            crc.update(bytes)
            position += UInt64(bytes.count)
        }
        guard crc.value == readBE32(header, 24) else {
            throw PackageError.vendorFormat(path: path, reason: String(format: "uImage data crc field 0x%08x, data gives 0x%08x (damaged or altered)", readBE32(header, 24), crc.value))
        }
        return String(decoding: header[32..<64].prefix { $0 != 0 }, as: UTF8.self)
    }
}

func readBE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
}

func readLE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) }
}

/// A file (or bytes in memory) read at offsets: vendor formats keep their metadata at the end.
final class RandomAccessFile {
    let path: String
    let size: UInt64
    private let handle: FileHandle?
    private let bytes: [UInt8]

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PackageError.unreadable(path: path, reason: "cannot be opened for reading")
        }
        self.path = path
        self.handle = handle
        bytes = []
        size = (try? handle.seekToEnd()) ?? 0
    }

    /// Bytes in memory standing in for a file named `name`.
    init(bytes: [UInt8], name: String) {
        path = name
        handle = nil
        self.bytes = bytes
        size = UInt64(bytes.count)
    }

    deinit { try? handle?.close() }

    /// `count` bytes at `offset`, or `truncated`.
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard offset <= size, count >= 0, UInt64(count) <= size - offset else {
            throw PackageError.truncated(what: path, offset: offset, needed: UInt64(max(count, 0)), available: size > offset ? size - offset : 0)
        }
        guard let handle else { return Array(bytes[Int(offset)..<(Int(offset) + count)]) }
        do {
            try handle.seek(toOffset: offset)
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw PackageError.unreadable(path: path, reason: "read at byte \(offset) failed")
        }
    }
}
