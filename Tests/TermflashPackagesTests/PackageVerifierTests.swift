import Foundation
@testable import TermflashPackages
import TermflashCrypto
import TestSupport
import XCTest

final class PackageVerifierTests: PackageTestCase {
    func testSignedPackageVerifiesFromFileAndReportsWhereImagesSit() throws {
        let path = try makePackage()
        let package = try verifier().verify(FilePackageInput(path: path))
        XCTAssertEqual(package.signature, .verified(fingerprint: key.publicKey.fingerprint))
        XCTAssertEqual(package.manifest.images.map(\.partition), ["kernel", "rootfs"])
        let all = try bytes(path)
        for member in package.members {
            let start = Int(member.dataOffset)
            let stored = Array(all[start..<(start + Int(member.image.size))])
            XCTAssertEqual(SHA256.hash(stored).hexString, member.image.sha256)
            XCTAssertEqual(stored, try bytes("\(folder)/\(member.image.partition).bin"))
        }
        XCTAssertEqual(all.count % 512, 0)
    }

    func testSmallChunksGiveTheSameResultAsOneRead() throws {
        let all = try bytes(try makePackage())
        final class DripInput: PackageInput {
            var bytes: [UInt8]; var step: Int
            init(_ bytes: [UInt8], step: Int) { self.bytes = bytes; self.step = step }
            func read(upTo count: Int) throws -> [UInt8] {
                let taken = Array(bytes.prefix(min(count, step))); bytes.removeFirst(taken.count); return taken
            }
        }
        for step in [1, 7, 511, 513, 4096] {
            let package = try verifier().verify(DripInput(all, step: step))
            XCTAssertEqual(package.members.map(\.dataOffset), try verifier().verify(MemoryPackageInput(all)).members.map(\.dataOffset))
        }
    }

    /// Every byte of a small package, flipped one at a time, must make verification fail.
    func testFlippingAnyByteIsRefused() throws {
        let all = try bytes(try makePackage([("kernel", 300), ("rootfs", 900)]))
        var refusedKinds: [String: Int] = [:]
        for index in all.indices {
            var damaged = all
            damaged[index] ^= 0xFF
            guard let error = refusal(damaged) else { return XCTFail("flipping byte \(index) of \(all.count) was accepted") }
            refusedKinds[String("\(error)".prefix(20)), default: 0] += 1
        }
        XCTAssertGreaterThan(refusedKinds.count, 4, "refusals should name different faults: \(refusedKinds)")
    }

    func testFlippingSingleBitsIsRefused() throws {
        let all = try bytes(try makePackage([("boot", 100)]))
        var generator = SystemRandomNumberGenerator()
        for index in all.indices {
            var damaged = all
            damaged[index] ^= 1 << UInt8.random(in: 0...7, using: &generator)
            XCTAssertNotNil(refusal(damaged), "bit flip in byte \(index)")
        }
    }

    func testTruncatedAtEveryBlockAndInsideIsRefused() throws {
        let all = try bytes(try makePackage())
        for length in Array(stride(from: 0, to: all.count, by: 97)) + Array(stride(from: 0, to: all.count, by: 512)) {
            XCTAssertNotNil(refusal(Array(all.prefix(length))), "truncated to \(length) of \(all.count)")
        }
        XCTAssertEqual(refusal(Array(all.dropLast(1024))), .missingEnd(offset: UInt64(all.count - 1024)))
    }

    func testTamperedImageNamesFileAndBothDigests() throws {
        let path = try makePackage()
        var all = try bytes(path)
        let package = try verifier().verify(MemoryPackageInput(all))
        let rootfs = package.members[1]
        all[Int(rootfs.dataOffset) + 10] ^= 0x01
        guard case let .hashMismatch(file, manifest, actual)? = refusal(all) else { return XCTFail("not a hash mismatch") }
        XCTAssertEqual(file, "images/rootfs.bin")
        XCTAssertEqual(manifest, rootfs.image.sha256)
        XCTAssertNotEqual(actual, manifest)
    }

    func testUnsignedPackageNeedsAllowUnsignedAndUntrustedSignerIsRefused() throws {
        let unsigned = try bytes(try makePackage(signed: false))
        XCTAssertEqual(refusal(unsigned), .unsigned(what: "the package"))
        XCTAssertNil(refusal(unsigned, .allowUnsigned))
        let signed = try bytes(try makePackage(named: "signed.tfpkg"))
        let stranger = try Ed25519.PrivateKey()
        let other = PackageVerifier(trustedKeys: [stranger.publicKey], keyringPath: "k", policy: .allowUnsigned)
        XCTAssertThrowsError(try other.verify(MemoryPackageInput(signed))) { error in
            XCTAssertEqual(error as? PackageError, .badSignature(trusted: [stranger.publicKey.fingerprint]))
        }
        let empty = PackageVerifier(trustedKeys: [], keyringPath: "/home/u/.config/termflash/keyring")
        XCTAssertThrowsError(try empty.verify(MemoryPackageInput(signed))) { error in
            XCTAssertEqual(error as? PackageError, .emptyKeyring(path: "/home/u/.config/termflash/keyring"))
        }
        let report = PackageVerifier(trustedKeys: [], keyringPath: "k", policy: .reportOnly)
        XCTAssertEqual(try report.verify(MemoryPackageInput(signed)).signature, .notVerified)
    }

    func testResigningKeepsImagesAndReplacesTheSignature() throws {
        let path = try makePackage(signed: false)
        let package = try verifier(.allowUnsigned).verify(FilePackageInput(path: path))
        let signature = try key.signature(for: package.manifestBytes)
        try PackageWriter.resign(package, at: path, signature: signature, to: path)
        XCTAssertEqual(try verifier().verify(FilePackageInput(path: path)).signature, .verified(fingerprint: key.publicKey.fingerprint))
    }
}
