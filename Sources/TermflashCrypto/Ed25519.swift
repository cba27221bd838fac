internal import CLibCrypto
import Foundation

/// Ed25519 keys and signatures (RFC 8032) through libcrypto's EVP interface. Keys are kept as
/// their raw 32 bytes and exchanged as PEM (PKCS#8 private, SubjectPublicKeyInfo public), the
/// files `openssl genpkey -algorithm ED25519` and `openssl pkey -pubout` write.
public enum Ed25519 {
    /// Length of a signature in bytes.
    public static let signatureLength = 64
    /// Length of a raw key in bytes.
    public static let keyLength = 32

    /// A public key that verifies signatures.
    public struct PublicKey: Sendable, Hashable {
        /// The raw 32 bytes.
        public let rawBytes: [UInt8]

        /// A key from its raw 32 bytes.
        public init(rawBytes: [UInt8]) throws {
            guard rawBytes.count == Ed25519.keyLength else {
                throw CryptoError.invalidKey(what: "Ed25519 public key", reason: "\(rawBytes.count) bytes, expected 32")
            }
            self.rawBytes = rawBytes
        }

        /// A key from a PEM `PUBLIC KEY` block.
        public init(pem: [UInt8]) throws {
            let key = try LibCrypto.withMemoryBIO(pem) { bio -> OpaquePointer in
                guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                    throw CryptoError.invalidKey(what: "PEM public key", reason: LibCrypto.lastError())
                }
                return key
            }
            defer { EVP_PKEY_free(key) }
            try self.init(rawBytes: try Ed25519.rawKey(key, isPrivate: false))
        }

        /// The key as a PEM `PUBLIC KEY` block.
        public func pem() throws -> String {
            let key = try Ed25519.makeKey(rawBytes, isPrivate: false)
            defer { EVP_PKEY_free(key) }
            let bytes = try LibCrypto.writingMemoryBIO("PEM_write_bio_PUBKEY") { PEM_write_bio_PUBKEY($0, key) }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// The first 16 hex digits of the SHA-256 of the raw key: how keys are named to people.
        public var fingerprint: String { String(SHA256.hash(rawBytes).hexString.prefix(16)) }

        /// Whether `signature` is this key's Ed25519 signature of `message`.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            guard signature.count == Ed25519.signatureLength,
                  let key = try? Ed25519.makeKey(rawBytes, isPrivate: false),
                  let context = EVP_MD_CTX_new() else { return false }
            defer { EVP_MD_CTX_free(context); EVP_PKEY_free(key) }
            guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { return false }
            let status = signature.withUnsafeBufferPointer { signatureBuffer in
                message.withUnsafeBufferPointer { messageBuffer in
                    EVP_DigestVerify(context, signatureBuffer.baseAddress, signatureBuffer.count,
                                     messageBuffer.baseAddress, messageBuffer.count)
                }
            }
            ERR_clear_error()
            return status == 1
        }
    }

    /// A private key that signs.
    public struct PrivateKey: Sendable {
        /// The raw 32-byte seed.
        public let rawBytes: [UInt8]
        /// The matching public key.
        public let publicKey: PublicKey

        /// A fresh random key from libcrypto's generator.
        public init() throws {
            guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
                throw CryptoError.operationFailed(operation: "EVP_PKEY_CTX_new_id", reason: LibCrypto.lastError())
            }
            defer { EVP_PKEY_CTX_free(context) }
            try LibCrypto.check(EVP_PKEY_keygen_init(context), "EVP_PKEY_keygen_init")
            var key: OpaquePointer?
            try LibCrypto.check(EVP_PKEY_keygen(context, &key), "EVP_PKEY_keygen")
            guard let key else { throw CryptoError.operationFailed(operation: "EVP_PKEY_keygen", reason: "no key") }
            defer { EVP_PKEY_free(key) }
            try self.init(rawBytes: try Ed25519.rawKey(key, isPrivate: true))
        }

        /// A key from its raw 32-byte seed.
        public init(rawBytes: [UInt8]) throws {
            guard rawBytes.count == Ed25519.keyLength else {
                throw CryptoError.invalidKey(what: "Ed25519 private key", reason: "\(rawBytes.count) bytes, expected 32")
            }
            let key = try Ed25519.makeKey(rawBytes, isPrivate: true)
            defer { EVP_PKEY_free(key) }
            self.rawBytes = rawBytes
            publicKey = try PublicKey(rawBytes: try Ed25519.rawKey(key, isPrivate: false))
        }

        /// A key from a PEM `PRIVATE KEY` block (unencrypted PKCS#8).
        public init(pem: [UInt8]) throws {
            let key = try LibCrypto.withMemoryBIO(pem) { bio -> OpaquePointer in
                guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                    throw CryptoError.invalidKey(what: "PEM private key", reason: LibCrypto.lastError())
                }
                return key
            }
            defer { EVP_PKEY_free(key) }
            try self.init(rawBytes: try Ed25519.rawKey(key, isPrivate: true))
        }

        /// The key as an unencrypted PKCS#8 PEM `PRIVATE KEY` block.
        public func pem() throws -> String {
            let key = try Ed25519.makeKey(rawBytes, isPrivate: true)
            defer { EVP_PKEY_free(key) }
            let bytes = try LibCrypto.writingMemoryBIO("PEM_write_bio_PrivateKey") {
                PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil)
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// The 64-byte Ed25519 signature of `message`.
        public func signature(for message: [UInt8]) throws -> [UInt8] {
            let key = try Ed25519.makeKey(rawBytes, isPrivate: true)
            guard let context = EVP_MD_CTX_new() else {
                EVP_PKEY_free(key)
                throw CryptoError.operationFailed(operation: "EVP_MD_CTX_new", reason: LibCrypto.lastError())
            }
            defer { EVP_MD_CTX_free(context); EVP_PKEY_free(key) }
            try LibCrypto.check(EVP_DigestSignInit(context, nil, nil, nil, key), "EVP_DigestSignInit")
            var signature = [UInt8](repeating: 0, count: Ed25519.signatureLength)
            var length = signature.count
            let status = message.withUnsafeBufferPointer { buffer in
                EVP_DigestSign(context, &signature, &length, buffer.baseAddress, buffer.count)
            }
            try LibCrypto.check(status, "EVP_DigestSign")
            return Array(signature.prefix(length))
        }
    }

    /// An EVP key from raw bytes; the caller frees it.
    fileprivate static func makeKey(_ raw: [UInt8], isPrivate: Bool) throws -> OpaquePointer {
        let key = raw.withUnsafeBufferPointer { buffer in
            isPrivate ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, buffer.baseAddress, buffer.count)
                : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, buffer.baseAddress, buffer.count)
        }
        guard let key else {
            throw CryptoError.invalidKey(what: isPrivate ? "Ed25519 private key" : "Ed25519 public key", reason: LibCrypto.lastError())
        }
        return key
    }

    /// The raw bytes of an Ed25519 EVP key; throws when the key is of another algorithm.
    fileprivate static func rawKey(_ key: OpaquePointer, isPrivate: Bool) throws -> [UInt8] {
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            throw CryptoError.invalidKey(what: "Ed25519 key", reason: "the PEM holds another algorithm (make one with 'termflash keys generate' or 'openssl genpkey -algorithm ED25519')")
        }
        var raw = [UInt8](repeating: 0, count: keyLength)
        var length = raw.count
        let status = isPrivate ? EVP_PKEY_get_raw_private_key(key, &raw, &length) : EVP_PKEY_get_raw_public_key(key, &raw, &length)
        try LibCrypto.check(status, isPrivate ? "EVP_PKEY_get_raw_private_key" : "EVP_PKEY_get_raw_public_key")
        return Array(raw.prefix(length))
    }
}
