import TermflashCore
@testable import TermflashPackages
import TermflashProfiles
import XCTest

final class BrandingTests: XCTestCase {
    private let profile = DeviceProfile(
        id: "mf286d", vendor: "ZTE", model: "MF286D", kind: .router, protocolFamily: .uboot,
        variants: [ProfileVariant(id: "telia-nordic", carrier: "Telia", firmwarePattern: "BD_TELIAMF286DV[0-9.]+B[0-9]+", hardwareRevision: "A"),
                   ProfileVariant(id: "three-gb", carrier: "Three UK", firmwarePattern: "HGGBMF286DV[0-9.]+B[0-9]+", hardwareRevision: "A")])

    func testEnvironmentBlockNeedsItsCRCAndReadsTheRedundantLayout() throws {
        let block = UBootEnvironment.block([("hw_ver", "A"), ("fw_version", "HGGBMF286DV1.0.0B04")], size: 4096)
        XCTAssertEqual(UBootEnvironment.parseBlock(block)?["fw_version"], "HGGBMF286DV1.0.0B04")
        var damaged = block
        damaged[20] ^= 0x01
        XCTAssertNil(UBootEnvironment.parseBlock(damaged), "a block whose CRC does not match is not read")
        let data = Array(block[4...].dropLast())
        let crc = CRC32.checksum(data)
        let redundant = [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: crc >> UInt32($0)) } + [1] + data
        XCTAssertEqual(UBootEnvironment.parseBlock(redundant)?["hw_ver"], "A")
        XCTAssertEqual(UBootEnvironment.parseText("(IPQ40xx) # printenv\nbaudrate=115200\nhw_ver=B2\n\nEnvironment size: 30/65532 bytes\n")["hw_ver"], "B2")
    }

    func testATRevisionLineIdentifiesTheVariant() {
        let evidence = ["Manufacturer: ZTE CORPORATION", "Model: MF286DMODULE", "Revision: HGGBMF286DV1.0.0B04"]
            .map { BrandingEvidence(source: "ATI", text: $0) }
        let found = BrandingIdentifier(profile: profile).identify(evidence)
        XCTAssertEqual(found.variant?.id, "three-gb")
        XCTAssertEqual(found.firmwareVersion, "HGGBMF286DV1.0.0B04")
        XCTAssertEqual(found.hardwareRevision, "A")
    }

    func testConflictingEvidenceIsReportedNotGuessed() {
        let evidence = [BrandingEvidence(source: "ATI", text: "BD_TELIAMF286DV1.0.0B12"),
                        BrandingEvidence(source: "partition web", text: "HGGBMF286DV1.0.0B04")]
        let found = BrandingIdentifier(profile: profile).identify(evidence)
        XCTAssertNil(found.variant)
        XCTAssertTrue(found.notes.first?.contains("several variants (telia-nordic, three-gb)") ?? false, "\(found.notes)")
        XCTAssertThrowsError(try RebrandPlan.make(profile: profile, unit: found, from: nil, target: "three-gb",
                                                  manifest: PackageManifest(id: "p", version: "1", profiles: ["mf286d"], variants: ["three-gb"], images: []))) {
            guard case .brandingUnknown? = $0 as? RebrandRefusal else { return XCTFail("\($0)") }
        }
    }

    func testStringsAreFoundWithTheirOffsets() {
        let bytes = [UInt8](repeating: 0xFF, count: 0x40) + Array("HGGBMF286DV1.0.0B04".utf8) + [0, 1, 2] + Array("short".utf8)
        let found = BrandingEvidence.strings(in: bytes, source: "partition web")
        XCTAssertEqual(found, [BrandingEvidence(source: "partition web at byte 0x40", text: "HGGBMF286DV1.0.0B04")])
    }
}
