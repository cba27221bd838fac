import TermflashCore

/// Why a package, a vendor input or one of its members was refused. Every case names the
/// member or field and the values that disagree.
public enum PackageError: Error, Equatable, ActionableError {
    /// The input ended inside `member` (or a header) at `offset`.
    case truncated(what: String, offset: UInt64, needed: UInt64, available: UInt64)
    /// A tar header field does not hold what the format allows.
    case badHeader(offset: UInt64, field: String, reason: String)
    /// A tar header's checksum does not match its bytes.
    case headerChecksum(offset: UInt64, stored: UInt32, computed: UInt32)
    /// A member path that could escape the work folder or is not plain.
    case unsafePath(member: String, reason: String)
    /// A member that is not a regular file (link, folder, device, extended header).
    case notRegularFile(member: String, kind: String)
    /// A member name appears twice.
    case duplicateMember(String)
    /// A member the manifest does not list, or one out of order.
    case unexpectedMember(found: String, expected: String)
    /// A member the manifest lists is not in the archive.
    case missingMember(String)
    /// A field or member larger than this build allows.
    case oversized(field: String, size: UInt64, limit: UInt64)
    /// Bytes after a member's data (up to the 512-byte boundary) that are not zero.
    case nonZeroPadding(member: String, offset: UInt64)
    /// Data after the end-of-archive marker, or an end marker that is not zero.
    case trailingData(offset: UInt64)
    /// The archive stops without the two zero blocks that close a tar file.
    case missingEnd(offset: UInt64)
    /// The manifest does not parse or a field breaks a rule.
    case invalidManifest(field: String, reason: String)
    /// The package carries no signature and unsigned input was not allowed.
    case unsigned(what: String)
    /// The signature matches none of the trusted keys.
    case badSignature(trusted: [String])
    /// No trusted key to check the signature with.
    case emptyKeyring(path: String)
    /// A member's length differs from the manifest's `size`.
    case sizeMismatch(file: String, manifest: UInt64, actual: UInt64)
    /// A member's SHA-256 differs from the manifest's `sha256`.
    case hashMismatch(file: String, manifest: String, actual: String)
    /// A file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// A vendor input's own format check failed (OpenWrt metadata, rawprogram XML…).
    case vendorFormat(path: String, reason: String)

    public var exitStatus: ExitStatus { .refused }

    public var description: String {
        switch self {
        case let .truncated(what, offset, needed, available):
            return "truncated: \(what) at byte offset \(offset) needs \(needed) bytes, the input has \(available)"
        case let .badHeader(offset, field, reason):
            return "tar header at byte offset \(offset): field \(field) \(reason)"
        case let .headerChecksum(offset, stored, computed):
            return "tar header at byte offset \(offset): checksum field says \(stored), the header's bytes sum to \(computed)"
        case let .unsafePath(member, reason): return "member '\(member)' refused: \(reason)"
        case let .notRegularFile(member, kind): return "member '\(member)' is a \(kind); packages hold regular files only"
        case let .duplicateMember(name): return "member '\(name)' appears twice"
        case let .unexpectedMember(found, expected): return "member '\(found)' found where \(expected) was expected"
        case let .missingMember(name): return "member '\(name)' listed in the manifest is missing from the archive"
        case let .oversized(field, size, limit): return "\(field) is \(size) bytes, more than the limit of \(limit)"
        case let .nonZeroPadding(member, offset): return "padding after member '\(member)' holds a non-zero byte at offset \(offset)"
        case let .trailingData(offset): return "non-zero data at byte offset \(offset) after the end of the archive"
        case let .missingEnd(offset): return "the archive ends at byte offset \(offset) without its two closing zero blocks (truncated?)"
        case let .invalidManifest(field, reason): return "manifest field \(field): \(reason)"
        case let .unsigned(what): return "\(what) is not signed"
        case let .badSignature(trusted):
            return "signature of manifest.json matches none of the \(trusted.count) trusted key(s) (\(trusted.joined(separator: ", ")))"
        case let .emptyKeyring(path): return "no trusted keys in \(path) to check the signature with"
        case let .sizeMismatch(file, manifest, actual): return "image \(file): manifest size \(manifest), member holds \(actual) bytes"
        case let .hashMismatch(file, manifest, actual): return "image \(file): manifest sha256 \(manifest), member hashes to \(actual)"
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .vendorFormat(path, reason): return "\(path): \(reason)"
        }
    }

    public var advice: String? {
        switch self {
        case .unsigned:
            return "flash only packages signed by a trusted key; for vendor images you checked yourself, add --allow-unsigned"
        case .badSignature:
            return "the package was changed after signing, or signed by a key you do not trust: get it again from its source, or trust the signer with 'termflash keys trust KEY.pem'"
        case .emptyKeyring:
            return "trust the factory's public key with 'termflash keys trust KEY.pem' (or pass --keyring DIR)"
        case .hashMismatch, .sizeMismatch, .truncated, .missingEnd, .headerChecksum, .nonZeroPadding, .trailingData:
            return "the file is damaged or was altered; download it again and compare its SHA-256 with the publisher's"
        case .unreadable: return "check the path and its permissions"
        default: return "the package is malformed; rebuild it with 'termflash package create'"
        }
    }
}
