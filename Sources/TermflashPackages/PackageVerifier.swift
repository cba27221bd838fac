import TermflashCrypto

/// Checks a package in one pass over its bytes, without unpacking it: the manifest's
/// signature against trusted keys before any image byte is read, then each image's size and
/// SHA-256 as it streams by, and every rule of the archive layout on the way.
public struct PackageVerifier {
    /// What to do about the signature.
    public enum SignaturePolicy: Sendable {
        /// A signature by a trusted key is required.
        case required
        /// An unsigned package passes (`--allow-unsigned`); a signature that is present must still verify.
        case allowUnsigned
        /// Report the signature without judging it (`package inspect`).
        case reportOnly
    }

    /// Keys that may sign packages.
    public var trustedKeys: [Ed25519.PublicKey]
    /// Where the keys came from, for errors.
    public var keyringPath: String
    public var policy: SignaturePolicy

    /// A verifier.
    public init(trustedKeys: [Ed25519.PublicKey], keyringPath: String, policy: SignaturePolicy = .required) {
        self.trustedKeys = trustedKeys
        self.keyringPath = keyringPath
        self.policy = policy
    }

    /// Reads `input` to its end; throws `PackageError` at the first rule broken.
    public func verify(_ input: PackageInput) throws -> VerifiedPackage {
        let reader = TarReader(input)
        guard let first = try reader.nextMember() else { throw PackageError.missingMember(PackageLayout.manifestName) }
        guard first.name == PackageLayout.manifestName else {
            throw PackageError.unexpectedMember(found: first.name, expected: "'\(PackageLayout.manifestName)' as the first member")
        }
        let manifestBytes = try reader.readAll(of: first, limit: PackageManifest.maximumBytes, field: PackageLayout.manifestName)
        var next = try reader.nextMember()
        var signature: [UInt8]?
        if let member = next, member.name == PackageLayout.signatureName {
            guard member.size == UInt64(Ed25519.signatureLength) else {
                throw PackageError.invalidManifest(field: PackageLayout.signatureName,
                                                   reason: "is \(member.size) bytes; an Ed25519 signature is 64")
            }
            signature = try reader.readAll(of: member, limit: UInt64(Ed25519.signatureLength), field: PackageLayout.signatureName)
            next = try reader.nextMember()
        }
        let status = try checkSignature(signature, of: manifestBytes)
        let manifest = try PackageManifest.parse(manifestBytes)
        var members: [VerifiedPackage.Member] = []
        for (index, image) in manifest.images.enumerated() {
            guard let member = next else { throw PackageError.missingMember(image.file) }
            guard member.name == image.file else {
                throw PackageError.unexpectedMember(found: member.name, expected: "images[\(index)].file '\(image.file)'")
            }
            try checkImage(image, member: member, reader: reader)
            members.append(.init(image: image, dataOffset: member.dataOffset))
            next = try reader.nextMember()
        }
        if let extra = next { throw PackageError.unexpectedMember(found: extra.name, expected: "the end of the archive") }
        return VerifiedPackage(manifest: manifest, manifestBytes: manifestBytes, signature: status, members: members)
    }

    private func checkSignature(_ signature: [UInt8]?, of manifest: [UInt8]) throws -> VerifiedPackage.Signature {
        guard let signature else {
            if policy == .required { throw PackageError.unsigned(what: "the package") }
            return .unsigned
        }
        if let signer = trustedKeys.first(where: { $0.isValidSignature(signature, for: manifest) }) {
            return .verified(fingerprint: signer.fingerprint)
        }
        if policy == .reportOnly { return .notVerified }
        if trustedKeys.isEmpty { throw PackageError.emptyKeyring(path: keyringPath) }
        throw PackageError.badSignature(trusted: trustedKeys.map(\.fingerprint))
    }

    private func checkImage(_ image: PackageImage, member: TarReader.Member, reader: TarReader) throws {
        guard member.size == image.size else {
            throw PackageError.sizeMismatch(file: image.file, manifest: image.size, actual: member.size)
        }
        let digest = SHA256()
        try reader.readData(of: member) { digest.update($0) }
        let actual = digest.finish().hexString
        guard actual == image.sha256 else { throw PackageError.hashMismatch(file: image.file, manifest: image.sha256, actual: actual) }
    }
}

/// A package that passed verification, and where each image's bytes sit in the file.
public struct VerifiedPackage: Sendable {
    /// What the signature check found.
    public enum Signature: Sendable, Equatable, CustomStringConvertible {
        /// Signed by the trusted key with this fingerprint.
        case verified(fingerprint: String)
        /// No signature member.
        case unsigned
        /// Signed, but by none of the keys at hand (only with `reportOnly`).
        case notVerified

        public var description: String {
            switch self {
            case let .verified(fingerprint): return "valid, key \(fingerprint)"
            case .unsigned: return "none (unsigned)"
            case .notVerified: return "present, matches no trusted key"
            }
        }
    }

    /// An image and the offset of its bytes in the package file.
    public struct Member: Sendable {
        public let image: PackageImage
        public let dataOffset: UInt64
    }

    public let manifest: PackageManifest
    /// The exact bytes the signature covers.
    public let manifestBytes: [UInt8]
    public let signature: Signature
    public let members: [Member]
}
