import Foundation
import TermflashCrypto

/// What a file handed to `flash` or `inspect` is: a termflash package, or a vendor input that
/// only `--allow-unsigned` lets through (OpenWrt image, Qualcomm rawprogram set, raw image).
public enum FirmwareInput {
    case package(VerifiedPackage)
    case openWrt(OpenWrtImage)
    case rawprogram(RawprogramInput)
    case raw(path: String, size: UInt64)

    /// Whether the input carries a termflash signature at all.
    public var isPackage: Bool {
        if case .package = self { return true }
        return false
    }

    /// What sort of input this is, for messages.
    public var formatName: String {
        switch self {
        case .package: return "termflash package"
        case let .openWrt(image): return "OpenWrt \(image.kind) image (\(image.body.rawValue))"
        case let .rawprogram(set): return "Qualcomm rawprogram set (\(set.container))"
        case .raw: return "raw image"
        }
    }

    /// Recognises `path` by its content and checks it: a package is verified with `verifier`,
    /// vendor formats by their own checksums and rules.
    public static func recognize(_ path: String, verifier: PackageVerifier) throws -> FirmwareInput {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw PackageError.unreadable(path: path, reason: "does not exist")
        }
        if isFolder.boolValue || RawprogramInput.looksLikeRawprogram(path: path) {
            guard RawprogramInput.looksLikeRawprogram(path: path) else {
                throw PackageError.vendorFormat(path: path, reason: "a folder without a rawprogram*.xml")
            }
            return .rawprogram(try RawprogramInput.read(path: path))
        }
        let file = try RandomAccessFile(path: path)
        let head = try file.read(at: 0, count: Int(min(file.size, 1024)))
        if isPackage(head: head) { return .package(try verifier.verify(FilePackageInput(path: path))) }
        let tail = try file.read(at: file.size - min(file.size, 16), count: Int(min(file.size, 16)))
        if OpenWrtImage.looksLikeOpenWrt(head: head, tail: tail) { return .openWrt(try OpenWrtImage.read(path: path)) }
        return .raw(path: path, size: file.size)
    }

    /// A ustar header naming `manifest.json` first.
    static func isPackage(head: [UInt8]) -> Bool {
        head.count >= 512 && Array(head[0..<14]) == Array((PackageLayout.manifestName + "\0").utf8)
            && Array(head[257..<262]) == Array("ustar".utf8)
    }
}
