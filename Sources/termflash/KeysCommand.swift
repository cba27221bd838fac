import ArgumentParser
import Foundation
import TermflashCrypto
import TermflashPackages

/// `--keyring DIR`, shared by every command that checks signatures.
struct KeyringOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of trusted public keys (default: ~/.config/termflash/keyring).", valueName: "dir"))
    var keyring: String?

    var resolved: Keyring { Keyring.resolve(keyring) }
}

/// `termflash keys …`: the signing keys a factory holds and the public keys a machine trusts.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Make signing keys and manage the keyring of trusted public keys.",
        subcommands: [Generate.self, List.self, Trust.self, Remove.self])

    /// `termflash keys generate NAME`.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an Ed25519 key pair: NAME.key.pem (private, mode 0600) and NAME.pub.pem.")

        @Argument(help: "Name of the key, e.g. factory-2026.")
        var name: String

        @Option(name: [.short, .long], help: ArgumentHelp("Folder to write the two files to.", valueName: "dir"))
        var output = "."

        @Flag(help: "Also trust the public key in the keyring.")
        var trust = false

        @OptionGroup var keyring: KeyringOptions

        func run() throws {
            try reportingErrors {
                let key = try Ed25519.PrivateKey()
                let privatePath = "\(output)/\(name).key.pem", publicPath = "\(output)/\(name).pub.pem"
                for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
                    throw ValidationError("\(path) exists; choose another name or folder")
                }
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
                guard FileManager.default.createFile(atPath: privatePath, contents: Data(try key.pem().utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw ValidationError("cannot write \(privatePath)")
                }
                try Data(try key.publicKey.pem().utf8).write(to: URL(fileURLWithPath: publicPath))
                print("private key \(privatePath) (keep it offline)\npublic key  \(publicPath)\nfingerprint \(key.publicKey.fingerprint)")
                if trust {
                    let entry = try keyring.resolved.trust(key.publicKey, name: name)
                    print("trusted as '\(entry.name)' in \(keyring.resolved.directory)")
                }
            }
        }
    }

    /// `termflash keys list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trusted public keys.")

        @OptionGroup var keyring: KeyringOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            try reportingErrors {
                let entries = try keyring.resolved.entries()
                if json { return try printJSON(KeyList(keyring: keyring.resolved.directory, keys: entries)) }
                print("keyring \(keyring.resolved.directory): \(entries.count) key(s)")
                for entry in entries { print("  \(entry.fingerprint)  \(entry.name)") }
            }
        }
    }

    struct KeyList: Encodable {
        let keyring: String
        let keys: [Keyring.Entry]
    }

    /// `termflash keys trust FILE`.
    struct Trust: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust a public key (a PEM public key; given a private key, only its public half is stored).")

        @Argument(help: "PEM file of the key.")
        var file: String

        @Option(help: "Name to trust it under (default: the file name without .pub.pem / .pem).")
        var name: String?

        @OptionGroup var keyring: KeyringOptions

        func run() throws {
            try reportingErrors {
                let pem = try readFile(file)
                let key: Ed25519.PublicKey
                if let publicKey = try? Ed25519.PublicKey(pem: pem) { key = publicKey } else {
                    key = try Ed25519.PrivateKey(pem: pem).publicKey
                }
                let entry = try keyring.resolved.trust(key, name: name ?? defaultName)
                print("trusted \(entry.fingerprint) as '\(entry.name)' in \(keyring.resolved.directory)")
            }
        }

        private var defaultName: String {
            var base = URL(fileURLWithPath: file).lastPathComponent
            for suffix in [".pub.pem", ".key.pem", ".pem"] where base.hasSuffix(suffix) {
                base = String(base.dropLast(suffix.count))
                break
            }
            return base
        }
    }

    /// `termflash keys remove NAME`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting a key, by name or fingerprint.")

        @Argument(help: "Name or fingerprint (a prefix of at least 4 digits).")
        var key: String

        @OptionGroup var keyring: KeyringOptions

        func run() throws {
            try reportingErrors {
                let entry = try keyring.resolved.remove(key)
                print("removed \(entry.fingerprint) '\(entry.name)' from \(keyring.resolved.directory)")
            }
        }
    }
}

/// The whole file at `path`, or an error naming it.
func readFile(_ path: String) throws -> [UInt8] {
    do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
        throw PackageError.unreadable(path: path, reason: "cannot be read (\(error.localizedDescription))")
    }
}
