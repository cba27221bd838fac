import Foundation
import TermflashCore
import TermflashCrypto

/// The public keys this machine trusts to sign packages: one PEM file per key,
/// `<name>.pub.pem`, in a folder (default `$XDG_CONFIG_HOME/termflash/keyring`, else
/// `~/.config/termflash/keyring`).
public struct Keyring {
    /// A trusted key and the name it was trusted under.
    public struct Entry: Sendable, Encodable {
        public let name: String
        public let fingerprint: String
        public let path: String
        public let key: Ed25519.PublicKey

        enum CodingKeys: String, CodingKey { case name, fingerprint, path }
    }

    static let suffix = ".pub.pem"
    /// The folder.
    public let directory: String

    /// The keyring in `directory`.
    public init(directory: String) { self.directory = directory }

    /// The keyring `--keyring` names, or the user's default.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Keyring {
        if let option { return Keyring(directory: option) }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return Keyring(directory: config + "/termflash/keyring")
    }

    /// Every trusted key, by name; a file that is not an Ed25519 public key is an error naming it.
    public func entries() throws -> [Entry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return try names.filter { $0.hasSuffix(Self.suffix) }.sorted().map { file in
            let path = "\(directory)/\(file)"
            do {
                let key = try Ed25519.PublicKey(pem: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
                return Entry(name: String(file.dropLast(Self.suffix.count)), fingerprint: key.fingerprint, path: path, key: key)
            } catch {
                throw KeyringError.badKeyFile(path: path, reason: "\(error)")
            }
        }
    }

    /// The keys, for a verifier.
    public func publicKeys() throws -> [Ed25519.PublicKey] { try entries().map(\.key) }

    /// Trusts `key` under `name`; refuses a name in use or a key already trusted.
    @discardableResult
    public func trust(_ key: Ed25519.PublicKey, name: String) throws -> Entry {
        try Self.checkName(name)
        let existing = try entries()
        if let same = existing.first(where: { $0.key == key }) { throw KeyringError.alreadyTrusted(name: same.name, fingerprint: same.fingerprint) }
        if existing.contains(where: { $0.name == name }) { throw KeyringError.nameInUse(name) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let path = "\(directory)/\(name)\(Self.suffix)"
        try Data(try key.pem().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return Entry(name: name, fingerprint: key.fingerprint, path: path, key: key)
    }

    /// Removes the key with this name or fingerprint (or a unique fingerprint prefix of 4+ digits).
    @discardableResult
    public func remove(_ nameOrFingerprint: String) throws -> Entry {
        let all = try entries()
        let matches = all.filter {
            $0.name == nameOrFingerprint || (nameOrFingerprint.count >= 4 && $0.fingerprint.hasPrefix(nameOrFingerprint.lowercased()))
        }
        guard matches.count == 1, let entry = matches.first else {
            throw KeyringError.noSuchKey(nameOrFingerprint, known: all.map { "\($0.name) (\($0.fingerprint))" }, ambiguous: matches.count > 1)
        }
        try FileManager.default.removeItem(atPath: entry.path)
        return entry
    }

    static func checkName(_ name: String) throws {
        let allowed = !name.isEmpty && name.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
            && !name.hasPrefix(".")
        guard allowed else { throw KeyringError.badName(name) }
    }
}

/// A keyring operation that could not be done.
public enum KeyringError: Error, Equatable, ActionableError {
    case badKeyFile(path: String, reason: String)
    case alreadyTrusted(name: String, fingerprint: String)
    case nameInUse(String)
    case noSuchKey(String, known: [String], ambiguous: Bool)
    case badName(String)

    public var exitStatus: ExitStatus { .failure }

    public var description: String {
        switch self {
        case let .badKeyFile(path, reason): return "keyring file \(path) is not an Ed25519 public key: \(reason)"
        case let .alreadyTrusted(name, fingerprint): return "key \(fingerprint) is already trusted as '\(name)'"
        case let .nameInUse(name): return "a key named '\(name)' is already trusted"
        case let .noSuchKey(wanted, known, ambiguous):
            return (ambiguous ? "'\(wanted)' matches more than one key" : "no trusted key named or with fingerprint '\(wanted)'")
                + "; trusted: " + (known.isEmpty ? "none" : known.joined(separator: ", "))
        case let .badName(name): return "'\(name)' is not a key name (letters, digits, '-', '_', '.'; up to 64)"
        }
    }

    public var advice: String? {
        switch self {
        case .badKeyFile: return "remove the file or replace it with the PEM from 'openssl pkey -pubout'"
        case .alreadyTrusted: return nil
        case .nameInUse: return "choose another --name, or remove the old key first"
        case .noSuchKey: return "see 'termflash keys list'"
        case .badName: return "choose a plain name such as factory-2026"
        }
    }
}
