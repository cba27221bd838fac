import ArgumentParser
import Foundation
import TermflashCrypto
import TermflashPackages

/// `termflash package …`: build, sign, check and look into firmware packages.
struct PackageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "package", abstract: "Create, sign, verify and inspect firmware packages.",
        discussion: """
        A package is one uncompressed tar file: manifest.json, manifest.sig (the Ed25519 signature of the
        manifest's bytes), then the images. Verification streams through it once; nothing is unpacked.
        """,
        subcommands: [Create.self, Sign.self, Verify.self, Inspect.self])

    /// `termflash package create`.
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a package from images; signed when --key is given.")

        @Option(help: "Package id, e.g. mf286d-openwrt.")
        var id: String

        @Option(help: "Release version, e.g. 23.05.3.")
        var version: String

        @Option(name: .customLong("profile"), help: "Device profile id it is for (repeatable).")
        var profiles: [String] = []

        @Option(name: .customLong("hardware-revision"), help: "Hardware revision it runs on (repeatable; none: all).")
        var hardwareRevisions: [String] = []

        @Option(name: .customLong("variant"), help: "Region/branding variant id it belongs to (repeatable).")
        var variants: [String] = []

        @Option(help: "The version string the device reports once this firmware runs.")
        var firmwareVersion: String?

        @Option(help: "Anti-rollback index: units refuse packages below the index they ran.")
        var antiRollbackIndex: UInt32 = 0

        @Option(name: .customLong("image"), help: ArgumentHelp("An image: PARTITION=FILE (repeatable, in write order).", valueName: "partition=file"))
        var images: [String] = []

        @Option(name: .customLong("delta-base"),
                help: ArgumentHelp("For a delta image: PARTITION=SHA256:SIZE of the content it applies to.", valueName: "partition=sha256:size"))
        var deltaBases: [String] = []

        @Option(help: "Hint: flash backend (edl, streaming-dload, uboot, disk).")
        var backend: String?

        @Option(help: "Hint: storage type for Firehose (emmc, ufs, nand, spinor).")
        var memory: String?

        @Option(help: ArgumentHelp("Private key (PEM) to sign with.", valueName: "file"))
        var key: String?

        @Option(name: [.short, .long], help: ArgumentHelp("Package file to write.", valueName: "file"))
        var output: String

        func run() throws {
            try reportingErrors {
                let bases = try parseDeltaBases()
                var sources: [PackageWriter.Source] = []
                for spec in images {
                    let (partition, path) = try split(spec, option: "--image")
                    let member = "images/" + URL(fileURLWithPath: path).lastPathComponent
                    let image = try PackageWriter.describe(file: path, partition: partition, member: member,
                                                           deltaBase: bases[partition])
                    sources.append(PackageWriter.Source(image: image, path: path))
                }
                let hints = backend == nil && memory == nil ? nil : ProtocolHints(backend: backend, memory: memory)
                let manifest = PackageManifest(id: id, version: version, antiRollbackIndex: antiRollbackIndex, profiles: profiles,
                                               hardwareRevisions: hardwareRevisions, variants: variants,
                                               firmwareVersion: firmwareVersion, images: sources.map(\.image), protocolHints: hints)
                let signingKey = try key.map { try Ed25519.PrivateKey(pem: try readFile($0)) }
                try PackageWriter.create(manifest: manifest, sources: sources, signingKey: signingKey, to: output)
                print("wrote \(output): \(sources.count) image(s), " + (signingKey.map { "signed by \($0.publicKey.fingerprint)" } ?? "unsigned"))
            }
        }

        private func parseDeltaBases() throws -> [String: DeltaBase] {
            var bases: [String: DeltaBase] = [:]
            for spec in deltaBases {
                let (partition, value) = try split(spec, option: "--delta-base")
                let parts = value.split(separator: ":")
                guard parts.count == 2, let size = UInt64(parts[1]) else {
                    throw ValidationError("--delta-base \(spec): expected PARTITION=SHA256:SIZE")
                }
                bases[partition] = DeltaBase(sha256: String(parts[0]).lowercased(), size: size)
            }
            return bases
        }
    }

    /// `termflash package sign`.
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a package's manifest with a private key, or insert a signature made elsewhere (HSM, openssl).")

        @Argument(help: "The package.")
        var package: String

        @Option(help: ArgumentHelp("Private key (PEM).", valueName: "file"))
        var key: String?

        @Option(help: ArgumentHelp("A raw 64-byte Ed25519 signature of the manifest (e.g. from 'openssl pkeyutl -sign -rawin').", valueName: "file"))
        var signature: String?

        @Option(name: [.short, .long], help: ArgumentHelp("Where to write the signed package (default: in place).", valueName: "file"))
        var output: String?

        func validate() throws {
            guard (key == nil) != (signature == nil) else { throw ValidationError("give either --key or --signature") }
        }

        func run() throws {
            try reportingErrors {
                let verifier = PackageVerifier(trustedKeys: [], keyringPath: "", policy: .reportOnly)
                let verified = try verifier.verify(FilePackageInput(path: package))
                let bytes: [UInt8]
                if let key {
                    let privateKey = try Ed25519.PrivateKey(pem: try readFile(key))
                    bytes = try privateKey.signature(for: verified.manifestBytes)
                } else {
                    bytes = try readFile(signature ?? "")
                    guard bytes.count == Ed25519.signatureLength else {
                        throw PackageError.invalidManifest(field: "manifest.sig", reason: "\(signature ?? "") is \(bytes.count) bytes; an Ed25519 signature is 64")
                    }
                }
                try PackageWriter.resign(verified, at: package, signature: bytes, to: output ?? package)
                print("signed \(output ?? package) (\(verified.manifest.id) \(verified.manifest.version))")
            }
        }
    }

    /// `termflash package verify`.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the signature against the keyring and every image's size and SHA-256.")

        @Argument(help: "The package.")
        var package: String

        @OptionGroup var keyring: KeyringOptions

        @Flag(help: "Accept a package without a signature (a signature that is present must still be valid).")
        var allowUnsigned = false

        func run() throws {
            try reportingErrors {
                let verifier = PackageVerifier(trustedKeys: try keyring.resolved.publicKeys(), keyringPath: keyring.resolved.directory,
                                               policy: allowUnsigned ? .allowUnsigned : .required)
                let verified = try verifier.verify(FilePackageInput(path: package))
                print("ok: \(verified.manifest.id) \(verified.manifest.version), signature \(verified.signature), "
                      + "\(verified.members.count) image(s) match their sha256")
            }
        }
    }

    /// `termflash package inspect`.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what a package (or a vendor image: OpenWrt, rawprogram, raw) holds and whom it is for.")

        @Argument(help: "The package or vendor input.")
        var input: String

        @OptionGroup var keyring: KeyringOptions

        @Flag(help: "Print the manifest's exact bytes (what a signature covers), for signing elsewhere.")
        var manifest = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            try reportingErrors {
                let inspection = try InputInspection.inspect(input, keyring: keyring.resolved)
                if manifest {
                    guard case let .package(verified) = inspection.kind else {
                        throw ValidationError("\(input) is not a termflash package; it has no manifest")
                    }
                    FileHandle.standardOutput.write(Data(verified.manifestBytes))
                    return
                }
                if json { return try printJSON(inspection.summary) }
                print(inspection.summary.text)
            }
        }
    }
}

/// `NAME=VALUE` split at the first `=`.
func split(_ spec: String, option: String) throws -> (String, String) {
    guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex, spec.index(after: equals) != spec.endIndex else {
        throw ValidationError("\(option) \(spec): expected NAME=VALUE")
    }
    return (String(spec[..<equals]), String(spec[spec.index(after: equals)...]))
}
