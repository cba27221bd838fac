internal import CLibCrypto

/// The one place libcrypto status codes and error queues become Swift errors.
enum LibCrypto {
    /// Throws `operationFailed` naming `operation` unless `status` is 1 (libcrypto's success).
    static func check(_ status: Int32, _ operation: String) throws {
        guard status == 1 else { throw CryptoError.operationFailed(operation: operation, reason: lastError()) }
    }

    /// The oldest queued libcrypto error as text, and the queue cleared.
    static func lastError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no reason given" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs `body` with a read-only memory BIO over `bytes`.
    static func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
                throw CryptoError.operationFailed(operation: "BIO_new_mem_buf", reason: lastError())
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// The bytes `write` puts into a fresh memory BIO.
    static func writingMemoryBIO(_ operation: String, _ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.operationFailed(operation: "BIO_new", reason: lastError()) }
        defer { BIO_free(bio) }
        try check(write(bio), operation)
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { return [] }
        return UnsafeRawBufferPointer(start: pointer, count: length).map { $0 }
    }
}
