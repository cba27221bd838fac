import Foundation
import TermflashCrypto
import TermflashPackages
import TestSupport
import XCTest

/// Builds small real packages in a temporary folder.
class PackageTestCase: XCTestCase {
    var folder = ""
    var key: Ed25519.PrivateKey!

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory(name)
        key = try Ed25519.PrivateKey()
    }

    /// A file of `count` pseudo-random bytes.
    func imageFile(_ name: String, count: Int, seed: UInt8 = 1) throws -> String {
        let path = "\(folder)/\(name)"
        var state = UInt32(seed) &* 2_654_435_761
        let bytes = (0..<count).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A package with the given images (partition → size), signed by `key` unless `signed` is false.
    func makePackage(_ images: [(String, Int)] = [("kernel", 700), ("rootfs", 1500)], signed: Bool = true,
                     antiRollbackIndex: UInt32 = 2, named name: String = "test.tfpkg") throws -> String {
        var sources: [PackageWriter.Source] = []
        for (index, (partition, size)) in images.enumerated() {
            let path = try imageFile("\(partition).bin", count: size, seed: UInt8(index + 1))
            let image = try PackageWriter.describe(file: path, partition: partition, member: "images/\(partition).bin")
            sources.append(PackageWriter.Source(image: image, path: path))
        }
        let manifest = PackageManifest(id: "mf286d-test", version: "1.2.3", antiRollbackIndex: antiRollbackIndex,
                                       profiles: ["mf286d"], hardwareRevisions: ["MF286D-A1"], variants: ["telia-se"],
                                       firmwareVersion: "BD_TELIASEMF286DV1.0.0B05", images: sources.map(\.image))
        let output = "\(folder)/\(name)"
        try PackageWriter.create(manifest: manifest, sources: sources, signingKey: signed ? key : nil, to: output)
        return output
    }

    func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func verifier(_ policy: PackageVerifier.SignaturePolicy = .required) -> PackageVerifier {
        PackageVerifier(trustedKeys: [key.publicKey], keyringPath: "test keyring", policy: policy)
    }

    /// The refusal `bytes` get, or nil when they verify.
    func refusal(_ bytes: [UInt8], _ policy: PackageVerifier.SignaturePolicy = .required) -> PackageError? {
        do {
            _ = try verifier(policy).verify(MemoryPackageInput(bytes))
            return nil
        } catch let error as PackageError {
            return error
        } catch {
            XCTFail("untyped error \(error)")
            return nil
        }
    }
}
