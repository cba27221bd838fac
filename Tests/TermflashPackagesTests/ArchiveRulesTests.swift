import Foundation
@testable import TermflashPackages
import TermflashCrypto
import TestSupport
import XCTest

/// Hand-made and `tar`-made archives that break one rule each.
final class ArchiveRulesTests: PackageTestCase {
    private func archive(_ members: [(String, [UInt8])], end: Int = 2) -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, data) in members {
            bytes += TarHeader(name: name, size: UInt64(data.count)).encoded() + data
            bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        return bytes + [UInt8](repeating: 0, count: 512 * end)
    }

    private func signedManifest(file: String = "images/a.bin", data: [UInt8] = [1, 2, 3]) throws -> ([UInt8], [UInt8]) {
        let manifest = PackageManifest(id: "p", version: "1", profiles: ["mf286d"], images: [
            PackageImage(partition: "a", file: file, size: UInt64(data.count), sha256: SHA256.hash(data).hexString),
        ])
        let bytes = manifest.encoded()
        return (bytes, try key.signature(for: bytes))
    }

    func testWellFormedHandMadeArchivePasses() throws {
        let (manifest, signature) = try signedManifest()
        XCTAssertNil(refusal(archive([("manifest.json", manifest), ("manifest.sig", signature), ("images/a.bin", [1, 2, 3])])))
    }

    func testPathTraversalAndAbsolutePathsAreRefusedAsMembers() throws {
        let (manifest, signature) = try signedManifest()
        for name in ["../a.bin", "images/../../a.bin", "/etc/passwd", "images//a.bin", "./a.bin", "a\\..\\b"] {
            let bytes = archive([("manifest.json", manifest), ("manifest.sig", signature), (name, [1, 2, 3])])
            guard case let .unsafePath(member, _)? = refusal(bytes) else { return XCTFail("\(name) not refused as unsafe") }
            XCTAssertEqual(member, name)
        }
    }

    func testUnsafeManifestFileIsRefusedBeforeAnyImageIsRead() throws {
        let (manifest, signature) = try signedManifest(file: "../../etc/shadow")
        let error = refusal(archive([("manifest.json", manifest), ("manifest.sig", signature)]))
        XCTAssertEqual(error, .invalidManifest(field: "images[0].file",
                                               reason: "member '../../etc/shadow' refused: path traversal ('..' component)"))
    }

    func testDuplicateMembersAreRefused() throws {
        let (manifest, signature) = try signedManifest()
        let bytes = archive([("manifest.json", manifest), ("manifest.sig", signature), ("images/a.bin", [1, 2, 3]),
                             ("images/a.bin", [1, 2, 3])])
        XCTAssertEqual(refusal(bytes), .duplicateMember("images/a.bin"))
        XCTAssertEqual(refusal(archive([("manifest.json", manifest), ("manifest.json", manifest)])), .duplicateMember("manifest.json"))
    }

    func testExtraMissingAndMisorderedMembersAreRefused() throws {
        let (manifest, signature) = try signedManifest()
        XCTAssertEqual(refusal(archive([("manifest.json", manifest), ("manifest.sig", signature)])), .missingMember("images/a.bin"))
        XCTAssertEqual(refusal(archive([("manifest.json", manifest), ("manifest.sig", signature), ("images/a.bin", [1, 2, 3]),
                                        ("extra", [9])])),
                       .unexpectedMember(found: "extra", expected: "the end of the archive"))
        XCTAssertEqual(refusal(archive([("images/a.bin", [1, 2, 3]), ("manifest.json", manifest)])),
                       .unexpectedMember(found: "images/a.bin", expected: "'manifest.json' as the first member"))
    }

    func testOversizedManifestAndFieldsAreRefused() throws {
        let huge = [UInt8](repeating: 0x20, count: Int(PackageManifest.maximumBytes) + 1)
        XCTAssertEqual(refusal(archive([("manifest.json", huge)])),
                       .oversized(field: "manifest.json", size: PackageManifest.maximumBytes + 1, limit: PackageManifest.maximumBytes))
        var manifest = PackageManifest(id: "p", version: String(repeating: "9", count: 500), profiles: ["x"], images: [
            PackageImage(partition: "a", file: "a", size: 1, sha256: String(repeating: "0", count: 64)),
        ])
        XCTAssertThrowsError(try manifest.validate()) { XCTAssertEqual($0 as? PackageError, .oversized(field: "version", size: 500, limit: 128)) }
        manifest.version = "1"
        manifest.images[0].size = 1 << 41
        XCTAssertThrowsError(try manifest.validate()) {
            XCTAssertEqual($0 as? PackageError, .oversized(field: "images[0].size", size: 1 << 41, limit: 1 << 40))
        }
    }

    func testNonZeroPaddingAndTrailingGarbageAreRefused() throws {
        let (manifest, signature) = try signedManifest()
        var bytes = archive([("manifest.json", manifest), ("manifest.sig", signature), ("images/a.bin", [1, 2, 3])])
        bytes += [0x41] + [UInt8](repeating: 0, count: 511)
        guard case .trailingData? = refusal(bytes) else { return XCTFail("trailing block accepted") }
        let oneEndBlock = archive([("manifest.json", manifest), ("manifest.sig", signature), ("images/a.bin", [1, 2, 3])], end: 1)
        guard case .missingEnd? = refusal(oneEndBlock) else { return XCTFail("single end block accepted") }
    }

    func testSymlinksFoldersAndLongNamesFromGNUTarAreRefused() throws {
        let work = "\(folder)/tree"
        try FileManager.default.createDirectory(atPath: work + "/images", withIntermediateDirectories: true)
        let (manifest, _) = try signedManifest()
        try Data(manifest).write(to: URL(fileURLWithPath: work + "/manifest.json"))
        try FileManager.default.createSymbolicLink(atPath: work + "/images/a.bin", withDestinationPath: "/etc/passwd")
        let tarPath = try XCTUnwrap(which("tar"), "GNU tar is needed for this test")
        for (members, expected) in [(["manifest.json", "images/a.bin"], "symbolic link"), (["manifest.json", "images"], "folder")] {
            let output = "\(folder)/made.tar"
            let result = try runProcess(tarPath, ["--format=ustar", "-C", work, "-cf", output] + members)
            XCTAssertEqual(result.status, 0, result.standardError)
            let error = refusal(try bytes(output), .allowUnsigned)
            guard case let .notRegularFile(_, kind)? = error else { return XCTFail("\(members): \(String(describing: error))") }
            XCTAssertEqual(kind, expected)
        }
    }

    func testUnknownManifestKeysAndBadDigestsNameTheField() {
        let json = #"{"formatVersion":1,"id":"p","version":"1","profiles":["x"],"images":[{"partition":"a","file":"a","size":1,"sha256":"00","compresion":"none"}]}"#
        XCTAssertThrowsError(try PackageManifest.parse(Array(json.utf8))) { error in
            guard case let .invalidManifest(field, _)? = error as? PackageError else { return XCTFail("\(error)") }
            XCTAssertEqual(field, "images[0].compresion")
        }
        let badDigest = json.replacingOccurrences(of: #","compresion":"none""#, with: "")
        XCTAssertThrowsError(try PackageManifest.parse(Array(badDigest.utf8))) { error in
            XCTAssertEqual(error as? PackageError, .invalidManifest(field: "images[0].sha256", reason: "'00' is not 64 lower-case hex digits"))
        }
        let missing = #"{"formatVersion":1,"id":"p","version":"1","images":[]}"#
        XCTAssertThrowsError(try PackageManifest.parse(Array(missing.utf8))) { error in
            XCTAssertEqual(error as? PackageError, .invalidManifest(field: "profiles", reason: "is missing"))
        }
    }

    func testDeltaBaseRoundTripsThroughTheManifest() throws {
        let base = DeltaBase(sha256: String(repeating: "ab", count: 32), size: 4096)
        let manifest = PackageManifest(id: "p", version: "2", profiles: ["mf823"], images: [
            PackageImage(partition: "modem", file: "modem.delta", size: 10, sha256: String(repeating: "cd", count: 32), deltaBase: base),
        ])
        XCTAssertEqual(try PackageManifest.parse(manifest.encoded()), manifest)
    }
}
