import TermflashCore

/// Why a patch cannot be made, read or applied; every case names the file, and where it
/// applies the byte offset and field, and says what to do next.
public enum DeltaError: ActionableError, Equatable {
    case notADelta(patch: String)
    case unsupportedVersion(patch: String, version: Int)
    case truncated(patch: String, offset: UInt64, needed: String)
    case invalidField(patch: String, offset: UInt64, field: String, reason: String)
    case corruptStream(patch: String, offset: UInt64, stream: String, reason: String)
    case outsideSource(patch: String, offset: UInt64, position: UInt64, length: UInt64, sourceSize: UInt64)
    case patchDigestMismatch(patch: String)
    case trailingBytes(patch: String, offset: UInt64)
    case wrongSource(source: String, expectedSize: UInt64, expectedSHA256: String, actualSize: UInt64, actualSHA256: String?)
    case targetDigestMismatch(patch: String, expected: String, actual: String)
    case inputTooLarge(path: String, size: UInt64, limit: UInt64)
    case unreadable(path: String, reason: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .unreadable: return .ioError
        case .inputTooLarge: return .usage
        default: return .failure
        }
    }

    public var description: String {
        switch self {
        case let .notADelta(patch):
            return "\(patch) is not a termflash delta (no TFDELTA1 magic at offset 0)"
        case let .unsupportedVersion(patch, version):
            return "\(patch): delta format version \(version) is not supported (this termflash reads versions 1 and 2; a newer termflash made it)"
        case let .truncated(patch, offset, needed):
            return "\(patch) ends at offset \(offset) where \(needed) should be"
        case let .invalidField(patch, offset, field, reason):
            return "\(patch) offset \(offset): \(field): \(reason)"
        case let .corruptStream(patch, offset, stream, reason):
            return "\(patch) offset \(offset): \(stream) stream: \(reason)"
        case let .outsideSource(patch, offset, position, length, size):
            return "\(patch) chunk at offset \(offset): an operation reads \(length) source bytes at \(position), outside the \(size)-byte source"
        case let .patchDigestMismatch(patch):
            return "\(patch) is corrupt: its SHA-256 trailer does not match its contents"
        case let .trailingBytes(patch, offset):
            return "\(patch) has bytes after the trailer at offset \(offset)"
        case let .wrongSource(source, size, sha, actualSize, actualSHA):
            let actual = actualSHA.map { "\(actualSize) bytes, SHA-256 \($0)" } ?? "\(actualSize) bytes"
            return "\(source) is not the patch's source: it is \(actual), the patch needs \(size) bytes with SHA-256 \(sha)"
        case let .targetDigestMismatch(patch, expected, actual):
            return "\(patch) rebuilt a target with SHA-256 \(actual), not the \(expected) its header promises"
        case let .inputTooLarge(path, size, limit):
            return "\(path) is \(size) bytes; the encoder takes at most \(limit)"
        case let .unreadable(path, reason):
            return "\(path) cannot be read: \(reason)"
        }
    }

    public var advice: String? {
        switch self {
        case .wrongSource:
            return "apply the patch to the image it was made from ('termflash delta info PATCH' shows its source digest)"
        case .notADelta, .unsupportedVersion:
            return "make patches with 'termflash delta create OLD NEW -o PATCH'"
        case .inputTooLarge:
            return "split the image into partitions and make one patch per partition"
        case .unreadable:
            return "check the path and its permissions"
        default:
            return "the patch is damaged or truncated: copy or download it again"
        }
    }
}
