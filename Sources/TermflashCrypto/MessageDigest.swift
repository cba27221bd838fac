internal import CLibCrypto
import Foundation

/// The digests a boot loader or a device can compute and the host must match.
public enum DigestAlgorithm: String, Sendable, Codable, CaseIterable {
    case md5, sha1, sha256

    /// Digest length in bytes.
    public var length: Int {
        switch self {
        case .md5: return 16
        case .sha1: return 20
        case .sha256: return 32
        }
    }

    /// The name as printed in messages: `MD5`, `SHA-1`, `SHA-256`.
    public var displayName: String {
        switch self {
        case .md5: return "MD5"
        case .sha1: return "SHA-1"
        case .sha256: return "SHA-256"
        }
    }

    fileprivate var evp: OpaquePointer? {
        switch self {
        case .md5: return EVP_md5()
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        }
    }
}

/// Streaming MD5, SHA-1 or SHA-256 through libcrypto's EVP interface, for checking what a
/// device reports (U-Boot's `md5sum`, `sha1sum`, `hash`). MD5 and SHA-1 serve only as
/// transfer checks here, never as signatures.
public final class MessageDigest {
    public let algorithm: DigestAlgorithm
    private let context: OpaquePointer

    /// A fresh digest.
    public init(_ algorithm: DigestAlgorithm) {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, algorithm.evp, nil) == 1 else {
            preconditionFailure("libcrypto could not start a \(algorithm.displayName) digest (out of memory)")
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds bytes into the digest.
    public func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        bytes.withUnsafeBytes { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
    }

    /// The digest; the object must not be fed afterwards.
    public func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return Array(digest.prefix(Int(length)))
    }

    /// The digest of one buffer.
    public static func hash<Bytes: ContiguousBytes>(_ algorithm: DigestAlgorithm, _ bytes: Bytes) -> [UInt8] {
        let digest = MessageDigest(algorithm)
        digest.update(bytes)
        return digest.finish()
    }
}
