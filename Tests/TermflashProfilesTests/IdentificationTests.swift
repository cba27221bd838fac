import TermflashCore
import TermflashProfiles
import XCTest

final class IdentificationTests: ProfileTestCase {
    private func library() throws -> ProfileLibrary {
        try ProfileLibrary.load(directory: Self.repositoryProfiles)
    }

    func testProfileIdentityWins() throws {
        let found = try XCTUnwrap(library().identify(USBIdentity("19d2:1225")!))
        XCTAssertEqual(found.profileID, "mf823")
        XCTAssertEqual(found.name, "ZTE MF823")
        XCTAssertEqual(found.mode, .storage)
        XCTAssertEqual(found.source, .profile)
    }

    func testEmergencyDownloadIsTheGenericProfile() throws {
        let found = try XCTUnwrap(library().identify(USBIdentity("05c6:9008")!))
        XCTAssertEqual(found.profileID, "edl-9008")
        XCTAssertEqual(found.mode, .download)
        XCTAssertEqual(found.interfaces(withRole: .download), [0])
    }

    func testUnprofiledZTEIdentityComesFromTheKnownTable() throws {
        let found = try XCTUnwrap(library().identify(USBIdentity("19d2:0002")!))
        XCTAssertNil(found.profileID)
        XCTAssertEqual(found.source, .knownIdentity)
        XCTAssertEqual(found.mode, .modem)
        XCTAssertTrue(found.name.contains("MF632"), found.name)
        XCTAssertEqual(found.interfaceRoles, [1: .net, 2: .at, 4: .atSecondary])
    }

    func testUnknownIdentityIsNil() throws {
        XCTAssertNil(try library().identify(USBIdentity("1234:5678")!))
        XCTAssertNil(KnownIdentities.lookup(USBIdentity("19d2:abcd")!))
    }

    func testKnownTableCarriesModeswitchData() throws {
        let storage = try XCTUnwrap(KnownIdentities.lookup(USBIdentity("19d2:1225")!))
        XCTAssertEqual(storage.mode, .storage)
        XCTAssertTrue(storage.modeswitchStandardEject)
        XCTAssertEqual(storage.modeswitchTargets, [USBIdentity("19d2:1405")!])
        let installer = try XCTUnwrap(KnownIdentities.lookup(USBIdentity("19d2:2000")!))
        XCTAssertEqual(installer.modeswitchMessage?.count, 31)
        XCTAssertEqual(installer.modeswitchMessage?.prefix(4), [0x55, 0x53, 0x42, 0x43])
        XCTAssertTrue(installer.modeswitchTargets.contains(USBIdentity("19d2:0016")!))
        XCTAssertGreaterThan(KnownIdentities.all.count, 700)
    }

    func testKnownTableNamesUnnamedIdentitiesByVendor() throws {
        let unnamed = try XCTUnwrap(KnownIdentities.all.first { $0.name.hasPrefix("ZTE device ") })
        XCTAssertTrue(unnamed.name.hasSuffix(unnamed.identity.description))
    }
}
