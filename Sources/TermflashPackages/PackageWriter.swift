import Foundation
import TermflashCrypto

/// Writes package files: a manifest, its optional signature, and the images, streamed from
/// their source files into a ustar archive (see `PackageLayout`).
public enum PackageWriter {
    /// An image to put into a package: its manifest entry and where its bytes come from.
    public struct Source {
        public var image: PackageImage
        /// A file path, or a byte range of one.
        public var path: String
        public var offset: UInt64

        /// A source file.
        public init(image: PackageImage, path: String, offset: UInt64 = 0) {
            self.image = image
            self.path = path
            self.offset = offset
        }
    }

    /// The manifest entry for the file at `path`: its size and SHA-256, read in chunks.
    public static func describe(file path: String, partition: String, member: String,
                                deltaBase: DeltaBase? = nil) throws -> PackageImage {
        let input = try FilePackageInput(path: path)
        let digest = SHA256()
        var size: UInt64 = 0
        while true {
            let chunk = try input.read(upTo: 1 << 20)
            if chunk.isEmpty { break }
            digest.update(chunk)
            size += UInt64(chunk.count)
        }
        return PackageImage(partition: partition, file: member, size: size, sha256: digest.finish().hexString,
                            deltaBase: deltaBase)
    }

    /// Writes a package to `output` (through a temporary file renamed into place).
    public static func write(manifestBytes: [UInt8], signature: [UInt8]?, sources: [Source], to output: String) throws {
        let temporary = output + ".partial"
        _ = FileManager.default.createFile(atPath: temporary, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: temporary) else {
            throw PackageError.unreadable(path: temporary, reason: "cannot be created for writing")
        }
        do {
            defer { try? handle.close() }
            try member(PackageLayout.manifestName, bytes: manifestBytes, into: handle)
            if let signature { try member(PackageLayout.signatureName, bytes: signature, into: handle) }
            for source in sources { try member(source, into: handle) }
            try handle.write(contentsOf: Data(count: 2 * TarHeader.blockSize))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        _ = try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
    }

    /// Builds a package from a manifest and its image files, signed when a key is given.
    public static func create(manifest: PackageManifest, sources: [Source], signingKey: Ed25519.PrivateKey?,
                              to output: String) throws {
        try manifest.validate()
        let bytes = manifest.encoded()
        try write(manifestBytes: bytes, signature: try signingKey?.signature(for: bytes), sources: sources, to: output)
    }

    /// Rewrites a verified package with `signature` (made by `package sign` or an external signer).
    public static func resign(_ package: VerifiedPackage, at path: String, signature: [UInt8], to output: String) throws {
        let sources = package.members.map { Source(image: $0.image, path: path, offset: $0.dataOffset) }
        try write(manifestBytes: package.manifestBytes, signature: signature, sources: sources, to: output)
    }

    private static func member(_ name: String, bytes: [UInt8], into handle: FileHandle) throws {
        try handle.write(contentsOf: Data(TarHeader(name: name, size: UInt64(bytes.count)).encoded()))
        try handle.write(contentsOf: Data(bytes))
        try pad(UInt64(bytes.count), handle)
    }

    private static func member(_ source: Source, into handle: FileHandle) throws {
        try MemberPath.check(source.image.file)
        try handle.write(contentsOf: Data(TarHeader(name: source.image.file, size: source.image.size).encoded()))
        let input = try FilePackageInput(path: source.path, offset: source.offset)
        var remaining = source.image.size
        while remaining > 0 {
            let chunk = try input.read(upTo: Int(min(remaining, 1 << 20)))
            guard !chunk.isEmpty else {
                throw PackageError.sizeMismatch(file: source.path, manifest: source.image.size, actual: source.image.size - remaining)
            }
            try handle.write(contentsOf: Data(chunk))
            remaining -= UInt64(chunk.count)
        }
        try pad(source.image.size, handle)
    }

    private static func pad(_ size: UInt64, _ handle: FileHandle) throws {
        let block = UInt64(TarHeader.blockSize)
        let padding = Int((block - size % block) % block)
        if padding > 0 { try handle.write(contentsOf: Data(count: padding)) }
    }
}
