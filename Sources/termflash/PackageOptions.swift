import ArgumentParser
import Foundation
import TermflashCore
import TermflashPackages
import TermflashProfiles

/// The options of `termflash flash` (and `rebrand`) about packages, signatures and guards.
struct PackageOptions: ParsableArguments {
    @OptionGroup var keyring: KeyringOptions

    @Flag(help: "Accept inputs without a trusted signature: OpenWrt images, rawprogram sets, raw images, unsigned packages. They are still checked.")
    var allowUnsigned = false

    @Flag(help: "Accept a package whose anti-rollback index is below the unit's.")
    var allowDowngrade = false

    @Option(help: ArgumentHelp("The unit's hardware revision, when the device cannot tell (see 'termflash identify').", valueName: "rev"))
    var hardwareRevision: String?

    @Option(help: ArgumentHelp("Ledger of what was installed on each unit (default: ~/.local/state/termflash/units.json).", valueName: "file"))
    var ledger: String?

    var unitLedger: UnitLedger { UnitLedger.resolve(ledger) }

    /// How the unit is named in the ledger: its disk path or USB serial.
    func unitKey(disk: String?, selection: DeviceSelection) -> String? {
        if let disk { return "disk:" + URL(fileURLWithPath: disk).standardizedFileURL.path }
        return selection.serial.map { "usb:\($0)" }
    }

    /// What is known of the unit: the command line first, then what a disk image's partitions
    /// say (when the profile has variants), then the ledger.
    func unitFacts(profile: DeviceProfile?, unitKey: String?, disk: String? = nil) throws -> UnitFacts {
        var facts = UnitFacts(profile: profile?.id, hardwareRevision: hardwareRevision)
        if let disk, let profile, !profile.variants.isEmpty {
            let evidence = try PartitionEvidence.gather(from: try FileByteSource(path: disk), profile: profile)
            facts = facts.filling(from: BrandingIdentifier(profile: profile).identify(evidence).facts)
        }
        guard let unitKey else { return facts }
        return facts.filling(from: try unitLedger.facts(for: unitKey))
    }

    /// Recognises, verifies and guards every input.
    func resolve(_ inputs: [String], partitions: [String], profile: DeviceProfile?, unit: UnitFacts,
                 allowVariantChange: Bool = false) throws -> FlashInputResolver.Resolved {
        let ring = keyring.resolved
        let verifier = PackageVerifier(trustedKeys: try ring.publicKeys(), keyringPath: ring.directory,
                                       policy: allowUnsigned ? .allowUnsigned : .required)
        let resolver = FlashInputResolver(verifier: verifier, allowUnsigned: allowUnsigned,
                                          packageGuard: PackageGuard(allowDowngrade: allowDowngrade, allowVariantChange: allowVariantChange),
                                          unit: unit, profile: profile)
        return try resolver.resolve(inputs, partitions: partitions)
    }

    /// Refuses an input that carries no signature unless `--allow-unsigned` was given.
    func requireAllowUnsigned(_ path: String, format: String) throws {
        guard allowUnsigned else { throw PackageError.unsigned(what: "\(path) (\(format))") }
    }

    /// Notes each installed package in the ledger (the anti-rollback index never goes down).
    func recordInstalled(_ packages: [VerifiedPackage], unitKey: String?, unit: UnitFacts) throws {
        guard let unitKey else { return }
        for package in packages { try unitLedger.record(package.manifest, unit: unitKey, facts: unit) }
    }
}
