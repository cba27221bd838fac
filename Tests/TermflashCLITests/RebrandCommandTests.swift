import Foundation
import TermflashCore
import TestSupport
import XCTest

/// `termflash identify` and `termflash rebrand` on a disk image whose U-Boot environment and
/// partitions carry a ZTE-style firmware version, and on a replayed ATI answer.
final class RebrandCommandTests: CLITestCase {
    private var folder = ""
    private var disk = ""
    private var keyring = ""
    private var original: [UInt8] = []

    override func setUpWithError() throws {
        folder = try Fixtures.temporaryDirectory()
        keyring = "\(folder)/keyring"
        disk = "\(folder)/disk.img"
        original = randomDisk(seed: 77)
        let environment = environmentBlock([("bootcmd", "bootm 0x84000000"), ("fw_version", "BD_TELIAMF286DV1.0.0B12"), ("hw_ver", "A")])
        original.replaceSubrange(0..<environment.count, with: environment)
        try Data(original).write(to: URL(fileURLWithPath: disk))
        try writeDiskProfile(in: folder, id: "test-router", model: "Router", partitions: [
            "{ name: env, offset: 0x0, size: 0x10000, note: U-Boot environment }",
            "{ name: art, offset: 0x10000, size: 0x10000, readOnly: true, note: Wi-Fi calibration }",
            "{ name: web, offset: 0x20000, size: 0x10000 }",
            "{ name: rootfs, offset: 0x30000, size: 0x10000 }",
        ], extra: """
        variants:
          - { id: telia-nordic, carrier: Telia, region: Nordic, firmwarePattern: "BD_TELIAMF286DV[0-9.]+B[0-9]+", hardwareRevision: A }
          - { id: three-gb, carrier: Three UK, region: GB, firmwarePattern: "HGGBMF286DV[0-9.]+B[0-9]+", hardwareRevision: A }
          - { id: other-b, carrier: Other, region: XX, firmwarePattern: "OTHERV[0-9]+", hardwareRevision: B }
        """)
        try Data(repeating: 0x3B, count: 12 << 10).write(to: URL(fileURLWithPath: "\(folder)/web.img"))
        try Data(repeating: 0x4C, count: 30 << 10).write(to: URL(fileURLWithPath: "\(folder)/rootfs.img"))
        try Data(repeating: 0x00, count: 1 << 10).write(to: URL(fileURLWithPath: "\(folder)/art.img"))
        XCTAssertEqual(try run(on: nil, ["keys", "generate", "factory", "-o", folder, "--trust", "--keyring", keyring]).status, 0)
    }

    /// The U-Boot environment block layout: CRC-32 (little-endian) of the data, then NUL-ended `name=value` strings.
    private func environmentBlock(_ variables: [(String, String)]) -> [UInt8] {
        var data: [UInt8] = []
        for (name, value) in variables { data += Array("\(name)=\(value)".utf8) + [0] }
        data += [UInt8](repeating: 0, count: 0x10000 - 4 - data.count)
        let crc = CRC32.checksum(data)
        return [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: crc >> UInt32($0)) } + data
    }

    private func package(variant: String, images: [String] = ["web", "rootfs"], name: String = "rebrand.tfpkg") throws -> String {
        var arguments = ["package", "create", "--id", "test-\(variant)", "--version", "1.0.0B04", "--profile", "test-router",
                         "--variant", variant, "--hardware-revision", "A", "--key", "\(folder)/factory.key.pem", "-o", "\(folder)/\(name)"]
        for image in images { arguments += ["--image", "\(image)=\(folder)/\(image).img"] }
        let result = try run(on: nil, arguments)
        XCTAssertEqual(result.status, 0, result.standardError)
        return "\(folder)/\(name)"
    }

    private func rebrand(_ arguments: [String]) throws -> ProcessResult {
        try run(on: nil, ["rebrand", "--profiles", "\(folder)/profiles", "--profile", "test-router", "--disk", disk, "--keyring", keyring,
                          "--ledger", "\(folder)/units.json", "--backup-dir", "\(folder)/backups", "--journal", "\(folder)/j.json"] + arguments)
    }

    private func diskBytes() throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: disk))) }

    func testIdentifyReadsTheEnvironmentPartitionOfADisk() throws {
        let result = try run(on: nil, ["identify", "--profiles", "\(folder)/profiles", "--profile", "test-router", "--disk", disk, "--json"])
        let report = try json(result) as? [String: Any]
        XCTAssertEqual((report?["variant"] as? [String: Any])?["id"] as? String, "telia-nordic")
        XCTAssertEqual(report?["hardwareRevision"] as? String, "A")
        XCTAssertEqual(report?["firmwareVersion"] as? String, "BD_TELIAMF286DV1.0.0B12")
        XCTAssertTrue(try diskBytes() == original, "identify only reads")
    }

    func testIdentifyFromAReplayedATIAnswerWithTheShippedProfile() throws {
        let result = try run(on: nil, ["identify", "--profile", "mf286d", "--replay", Fixtures.path("at/mf286d-ati.script")])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertTrue(result.standardOutput.contains("branding telia-nordic (Telia, Nordic)"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("firmware BD_TELIAMF286DV1.0.0B12"), result.standardOutput)
    }

    func testDryRunPrintsChangesBackupsAndUntouchedIdentity() throws {
        let result = try rebrand(["--to", "three-gb", "--dry-run", try package(variant: "three-gb")])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutput, """
            rebrand test-router from telia-nordic to three-gb (hardware revision A) with package test-three-gb 1.0.0B04
              backed up first: web, rootfs
              changes:         web, rootfs
              stays:           env
              never touched:   art (identity and calibration: IMEI, MAC, radio calibration)

            """)
        XCTAssertTrue(try diskBytes() == original)
    }

    func testRebrandWritesAfterBackingUpAndLeavesIdentityAlone() throws {
        let result = try rebrand(["--to", "three-gb", try package(variant: "three-gb")])
        XCTAssertEqual(result.status, 0, result.standardError)
        let bytes = try diskBytes()
        XCTAssertTrue(Array(bytes[0x20000..<(0x20000 + (12 << 10))]) == [UInt8](repeating: 0x3B, count: 12 << 10))
        XCTAssertTrue(Array(bytes[0x30000..<(0x30000 + (30 << 10))]) == [UInt8](repeating: 0x4C, count: 30 << 10))
        XCTAssertTrue(Array(bytes[..<0x20000]) == Array(original[..<0x20000]), "environment and calibration untouched")
        let backup = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(folder)/backups/web.bin")))
        XCTAssertTrue(backup == Array(original[0x20000..<0x30000]), "web was backed up before it changed")
        let ledger = try String(contentsOfFile: "\(folder)/units.json", encoding: .utf8)
        XCTAssertTrue(ledger.contains("\"variant\" : \"three-gb\""), ledger)
    }

    func testRebrandAcrossHardwareRevisionsAndOfIdentityIsRefused() throws {
        let other = try package(variant: "other-b", name: "b.tfpkg")
        let across = try rebrand(["--to", "other-b", "--dry-run", other])
        XCTAssertEqual(across.status, 78)
        XCTAssertTrue(across.standardError.contains("the unit (telia-nordic) is hardware revision A, variant other-b is built on B"), across.standardError)
        let identity = try package(variant: "three-gb", images: ["web", "art"], name: "art.tfpkg")
        let refused = try rebrand(["--to", "three-gb", identity])
        XCTAssertEqual(refused.status, 78)
        XCTAssertTrue(refused.standardError.contains("the package writes partition art, which holds identity or calibration data"), refused.standardError)
        XCTAssertTrue(try diskBytes() == original)
    }

    func testFlashRefusesAnotherVariantsPackageAndPointsToRebrand() throws {
        let result = try run(on: nil, ["flash", "--profiles", "\(folder)/profiles", "--profile", "test-router", "--disk", disk,
                                       "--keyring", keyring, "--ledger", "\(folder)/units.json", try package(variant: "three-gb")])
        XCTAssertEqual(result.status, 78)
        XCTAssertTrue(result.standardError.contains("manifest field variants is three-gb, the unit is branded telia-nordic"), result.standardError)
        XCTAssertTrue(result.standardError.contains("termflash rebrand --to VARIANT PACKAGE"), result.standardError)
        XCTAssertTrue(try diskBytes() == original)
    }
}
