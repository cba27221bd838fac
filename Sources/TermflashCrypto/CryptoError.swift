/// A key or signature operation libcrypto refused, with its reason.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    /// The bytes are not a key of the expected kind (`what` says which: PEM private key, public key…).
    case invalidKey(what: String, reason: String)
    /// libcrypto failed an operation that should not fail (out of memory, broken installation).
    case operationFailed(operation: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidKey(what, reason): return "not a valid \(what): \(reason)"
        case let .operationFailed(operation, reason): return "libcrypto \(operation) failed: \(reason)"
        }
    }
}
