import TermflashPackages

/// Recognises an input for `package inspect`, checking a package's signature against the
/// keyring without requiring it.
struct InputInspection {
    let kind: FirmwareInput
    let summary: InputSummary

    static func inspect(_ path: String, keyring: Keyring) throws -> InputInspection {
        let verifier = PackageVerifier(trustedKeys: try keyring.publicKeys(), keyringPath: keyring.directory, policy: .reportOnly)
        let input = try FirmwareInput.recognize(path, verifier: verifier)
        return InputInspection(kind: input, summary: InputSummary(path: path, input: input))
    }
}
