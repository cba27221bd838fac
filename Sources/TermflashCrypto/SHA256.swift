import Foundation

/// Streaming SHA-256 through OpenSSL's libcrypto (EVP); every libcrypto call lives in this target.
public final class SHA256 {
    private let digest = MessageDigest(.sha256)

    /// A fresh digest.
    public init() {}

    /// Feeds bytes into the digest.
    public func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        digest.update(bytes)
    }

    /// The 32-byte digest; the object must not be fed afterwards.
    public func finish() -> [UInt8] {
        digest.finish()
    }

    /// The digest of one buffer.
    public static func hash<Bytes: ContiguousBytes>(_ bytes: Bytes) -> [UInt8] {
        MessageDigest.hash(.sha256, bytes)
    }
}

extension Array where Element == UInt8 {
    /// Lower-case hex digits.
    public var hexString: String {
        map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
