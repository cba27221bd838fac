import Foundation
import TermflashCore
import TestSupport
import XCTest

/// `termflash keys …`, `termflash package …` and `termflash flash PACKAGE` on a disk image, as
/// a factory and a user would run them.
final class PackageCommandTests: CLITestCase {
    private var folder = ""
    private var disk = ""
    private var keyring = ""
    private var original: [UInt8] = []

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
        keyring = "\(folder)/keyring"
        disk = "\(folder)/disk.img"
        original = randomDisk(seed: 21)
        try Data(original).write(to: URL(fileURLWithPath: disk))
        try Data(repeating: 0xA5, count: 20 << 10).write(to: URL(fileURLWithPath: "\(folder)/kernel.img"))
        try Data((0..<(40 << 10)).map { UInt8(truncatingIfNeeded: $0 * 7) }).write(to: URL(fileURLWithPath: "\(folder)/rootfs.img"))
        try Data(repeating: 1, count: 0x20001).write(to: URL(fileURLWithPath: "\(folder)/huge.img"))
        try writeDiskProfile(in: folder, id: "test-disk", model: "Disk", partitions: [
            "{ name: art, offset: 0x10000, size: 0x10000, readOnly: true }",
            "{ name: kernel, offset: 0x20000, size: 0x10000 }",
            "{ name: rootfs, offset: 0x30000, size: 0x10000 }",
        ])
        let generated = try tf(["keys", "generate", "factory", "--output", folder, "--trust", "--keyring", keyring])
        XCTAssertEqual(generated.status, 0, generated.standardError)
    }

    private func tf(_ arguments: [String]) throws -> ProcessResult { try run(on: nil, arguments) }

    private func create(_ extra: [String], images: [String] = ["kernel=kernel.img", "rootfs=rootfs.img"],
                        output: String = "fw.tfpkg", sign: Bool = true) throws -> String {
        var arguments = ["package", "create", "--id", "test-fw", "--version", "2.0", "--profile", "test-disk", "-o", "\(folder)/\(output)"]
        arguments += images.flatMap { spec -> [String] in
            let parts = spec.split(separator: "=", maxSplits: 1)
            return ["--image", "\(parts[0])=\(folder)/\(parts[1])"]
        }
        if sign { arguments += ["--key", "\(folder)/factory.key.pem"] }
        let result = try tf(arguments + extra)
        XCTAssertEqual(result.status, 0, result.standardError)
        return "\(folder)/\(output)"
    }

    private func flash(_ package: String, _ extra: [String] = []) throws -> ProcessResult {
        try tf(["flash", "--profiles", "\(folder)/profiles", "--profile", "test-disk", "--disk", disk, "--keyring", keyring,
                "--ledger", "\(folder)/units.json", "--journal", "\(folder)/journal.json"] + extra + [package])
    }

    private func diskBytes() throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: disk))) }

    func testKeysListTrustAndRemove() throws {
        let listed = try tf(["keys", "list", "--keyring", keyring])
        XCTAssertEqual(listed.status, 0, listed.standardError)
        XCTAssertTrue(listed.standardOutput.contains("factory"), listed.standardOutput)
        let again = try tf(["keys", "trust", "\(folder)/factory.pub.pem", "--name", "other", "--keyring", keyring])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.standardError.contains("is already trusted as 'factory'"), again.standardError)
        let removed = try tf(["keys", "remove", "factory", "--keyring", keyring])
        XCTAssertEqual(removed.status, 0, removed.standardError)
        XCTAssertTrue(try tf(["keys", "list", "--keyring", keyring]).standardOutput.contains("0 key(s)"))
        let trusted = try tf(["keys", "trust", "\(folder)/factory.pub.pem", "--keyring", keyring])
        XCTAssertEqual(trusted.status, 0, trusted.standardError)
        XCTAssertTrue(trusted.standardOutput.contains("as 'factory'"), trusted.standardOutput)
        let modes = try FileManager.default.attributesOfItem(atPath: "\(folder)/factory.key.pem")[.posixPermissions] as? Int
        XCTAssertEqual(modes, 0o600)
    }

    func testCreateVerifyInspectAndSignWithOpenSSL() throws {
        let package = try create([], sign: false)
        let unsigned = try tf(["package", "verify", package, "--keyring", keyring])
        XCTAssertEqual(unsigned.status, 78)
        XCTAssertTrue(unsigned.standardError.contains("the package is not signed"), unsigned.standardError)
        let manifest = try tf(["package", "inspect", package, "--manifest"])
        try Data(manifest.standardOutput.utf8).write(to: URL(fileURLWithPath: "\(folder)/manifest.json"))
        let openssl = try XCTUnwrap(which("openssl"))
        let signed = try runProcess(openssl, ["pkeyutl", "-sign", "-rawin", "-inkey", "\(folder)/factory.key.pem",
                                              "-in", "\(folder)/manifest.json", "-out", "\(folder)/manifest.sig"])
        XCTAssertEqual(signed.status, 0, signed.standardError)
        XCTAssertEqual(try tf(["package", "sign", package, "--signature", "\(folder)/manifest.sig"]).status, 0)
        let verified = try tf(["package", "verify", package, "--keyring", keyring])
        XCTAssertEqual(verified.status, 0, verified.standardError)
        XCTAssertTrue(verified.standardOutput.contains("signature valid"), verified.standardOutput)
        let inspected = try json(try tf(["package", "inspect", package, "--keyring", keyring, "--json"])) as? [String: Any]
        XCTAssertEqual((inspected?["images"] as? [[String: Any]])?.map { $0["partition"] as? String }, ["kernel", "rootfs"])
        XCTAssertEqual((inspected?["fields"] as? [String: String])?["profiles"], "test-disk")
    }

    func testFlashWritesEveryPackageImageAndRecordsTheIndex() throws {
        let package = try create(["--anti-rollback-index", "3"])
        let result = try flash(package)
        XCTAssertEqual(result.status, 0, result.standardError)
        let bytes = try diskBytes()
        XCTAssertTrue(Array(bytes[0x20000..<(0x20000 + (20 << 10))]) == [UInt8](repeating: 0xA5, count: 20 << 10))
        XCTAssertTrue(Array(bytes[0x30000..<(0x30000 + (40 << 10))]) == (0..<(40 << 10)).map { UInt8(truncatingIfNeeded: $0 * 7) })
        XCTAssertTrue(Array(bytes[..<0x20000]) == Array(original[..<0x20000]), "art and everything before kernel is untouched")
        let ledger = try String(contentsOfFile: "\(folder)/units.json", encoding: .utf8)
        XCTAssertTrue(ledger.contains("\"antiRollbackIndex\" : 3"), ledger)

        let older = try create(["--anti-rollback-index", "2"], output: "old.tfpkg")
        let refused = try flash(older)
        XCTAssertEqual(refused.status, 78)
        XCTAssertTrue(refused.standardError.contains("manifest field antiRollbackIndex is 2, below the unit's anti-rollback index 3"), refused.standardError)
        XCTAssertTrue(refused.standardError.contains("--allow-downgrade"), refused.standardError)
        XCTAssertEqual(try flash(older, ["--allow-downgrade"]).status, 0)
    }

    func testTamperedPackageIsRefusedAndTheDiskIsUntouched() throws {
        let package = try create([])
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: package)))
        bytes[bytes.count - 2048] ^= 0x40  // inside rootfs.img's data
        try Data(bytes).write(to: URL(fileURLWithPath: package))
        let result = try flash(package)
        XCTAssertEqual(result.status, 78)
        XCTAssertTrue(result.standardError.contains("image images/rootfs.img: manifest sha256"), result.standardError)
        XCTAssertTrue(try diskBytes() == original)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(folder)/journal.json"), "refused before a journal was started")
    }

    func testUnsignedAndRawInputsNeedAllowUnsigned() throws {
        let package = try create([], sign: false)
        let refused = try flash(package)
        XCTAssertEqual(refused.status, 78)
        XCTAssertTrue(refused.standardError.contains("hint: flash only packages signed by a trusted key"), refused.standardError)
        let raw = try flash("\(folder)/kernel.img", ["--partition", "kernel"])
        XCTAssertEqual(raw.status, 78)
        XCTAssertTrue(raw.standardError.contains("kernel.img (raw image) is not signed"), raw.standardError)
        let delta = try tf(["flash", "--disk", disk, "--delta", "\(folder)/kernel.img"])
        XCTAssertEqual(delta.status, 78)
        XCTAssertTrue(delta.standardError.contains("kernel.img (delta patch) is not signed"), delta.standardError)
        XCTAssertTrue(try diskBytes() == original)
        XCTAssertEqual(try flash(package, ["--allow-unsigned"]).status, 0)
    }

    func testGuardsNameTheFieldAndBothValues() throws {
        let wrong = try tf(["package", "create", "--id", "x", "--version", "1", "--profile", "mf823", "--image", "kernel=\(folder)/kernel.img",
                            "--key", "\(folder)/factory.key.pem", "-o", "\(folder)/wrong.tfpkg"])
        XCTAssertEqual(wrong.status, 0, wrong.standardError)
        let profile = try flash("\(folder)/wrong.tfpkg")
        XCTAssertEqual(profile.status, 78)
        XCTAssertTrue(profile.standardError.contains("manifest field profiles is mf823, the unit's profile is test-disk"), profile.standardError)

        let revision = try create(["--hardware-revision", "B2"], output: "rev.tfpkg")
        let unknown = try flash(revision)
        XCTAssertTrue(unknown.standardError.contains("manifest field hardwareRevisions is B2, the unit's hardware revision is unknown"), unknown.standardError)
        let mismatch = try flash(revision, ["--hardware-revision", "A1"])
        XCTAssertEqual(mismatch.status, 78)
        XCTAssertTrue(mismatch.standardError.contains("manifest field hardwareRevisions is B2, the unit is hardware revision A1"), mismatch.standardError)

        let huge = try create([], images: ["kernel=huge.img"], output: "huge.tfpkg")
        let tooLarge = try flash(huge)
        XCTAssertEqual(tooLarge.status, 78)
        XCTAssertTrue(tooLarge.standardError.contains("manifest field images[0].size is 131073 bytes for images/huge.img, larger than partition kernel (65536 bytes)"),
                      tooLarge.standardError)
        XCTAssertTrue(try diskBytes() == original)
    }
}
