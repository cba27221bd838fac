import TermflashCore
import TermflashProfiles
import XCTest

final class RepositoryProfilesTests: ProfileTestCase {
    func testEveryShippedProfileIsValid() throws {
        let issues = ProfileLibrary.validate(directory: Self.repositoryProfiles)
        XCTAssertEqual(issues.map(\.description), [])
        let library = try ProfileLibrary.load(directory: Self.repositoryProfiles)
        let ids = Set(library.profiles.map(\.id))
        for expected in ["mf823", "mf286d", "edl-9008"] {
            XCTAssertTrue(ids.contains(expected), "missing profile \(expected); have \(ids.sorted())")
        }
    }

    func testSchemaExampleIsValid() throws {
        let schema = try String(contentsOfFile: Self.repositoryProfiles + "/SCHEMA.md", encoding: .utf8)
        let example = try XCTUnwrap(schema.components(separatedBy: "```yaml\n").last?.components(separatedBy: "```").first)
        let path = try write("example.yaml", example)
        XCTAssertEqual(ProfileLibrary.validate(files: [path]).map(\.description), [])
    }

    func testMF823DescribesItsModeSwitchChain() throws {
        let profile = try ProfileLibrary.load(directory: Self.repositoryProfiles).requireProfile(id: "mf823")
        XCTAssertEqual(profile.protocolFamily, .qualcommHDLC)
        XCTAssertEqual(profile.identities.map(\.usb.description),
                       ["19d2:1225", "19d2:1403", "19d2:1405", "19d2:0016", "19d2:0076"])
        let storage = try XCTUnwrap(profile.modeSwitches(from: .storage).first)
        XCTAssertEqual(storage.method, .usbModeswitch)
        XCTAssertEqual(storage.expect, USBIdentity("19d2:1405"))
        XCTAssertEqual(storage.bulkMessages, ModeSwitch.standardEjectMessages)
        let diag = try XCTUnwrap(profile.modeSwitches(from: .modem).first)
        XCTAssertEqual(diag.command, "AT+ZCDRUN=E")
        XCTAssertEqual(diag.expect, USBIdentity("19d2:0016"))
        let download = try XCTUnwrap(profile.modeSwitches(from: .diag).first)
        XCTAssertEqual(download.opcode, 0x3A)
        XCTAssertEqual(download.effectiveInterfaceRole, .diag)
        XCTAssertEqual(profile.identity(USBIdentity("19d2:0016")!)?.interfaceRoles, [0: .diag, 1: .atSecondary, 2: .at])
    }

    func testMF286DFlashLayoutFollowsTheDeviceTree() throws {
        let profile = try ProfileLibrary.load(directory: Self.repositoryProfiles).requireProfile(id: "mf286d")
        XCTAssertEqual(profile.kind, .router)
        XCTAssertEqual(profile.console?.prompt, "(IPQ40xx) # ")
        XCTAssertEqual(profile.console?.baud, 115_200)
        XCTAssertEqual(profile.storage.map(\.type), [.spiNOR, .nand])
        let nor = profile.storage[0]
        XCTAssertEqual(nor.partitions.count, 8)
        XCTAssertTrue(nor.partitions.allSatisfy(\.readOnly))
        XCTAssertEqual(nor.partition(named: "0:APPSBL").map { [$0.offset, $0.size] }, [0xf0000, 0xc0000])
        let rootfs = try XCTUnwrap(profile.storage[1].partition(named: "rootfs"))
        XCTAssertEqual([rootfs.offset, rootfs.size], [0x1800000, 0x1d00000])
        XCTAssertFalse(rootfs.readOnly)
        XCTAssertEqual(profile.storage[1].partitions.last?.end, 0x8000000)
    }

    func testLocatorPrefersTheEnvironmentVariable() {
        let found = ProfileLibrary.defaultDirectory(executablePath: "/nonexistent/bin/termflash",
                                                    environment: ["TERMFLASH_PROFILES": "/opt/profiles"])
        XCTAssertEqual(found, "/opt/profiles")
    }

    func testLocatorFindsTheInstalledShareFolder() throws {
        try write("prefix/share/termflash/DeviceProfiles/zte/a.yaml", Self.minimalProfile)
        try write("prefix/bin/termflash", "")
        let found = ProfileLibrary.defaultDirectory(executablePath: directory + "/prefix/bin/termflash",
                                                    environment: [:])
        XCTAssertEqual(found.map(resolved), resolved(directory + "/prefix/share/termflash/DeviceProfiles"))
    }

    func testLocatorWalksUpToACheckout() throws {
        try write("checkout/Package.swift", "// swift-tools-version:6.0\n")
        try write("checkout/DeviceProfiles/zte/a.yaml", Self.minimalProfile)
        try write("checkout/.build/debug/termflash", "")
        let found = ProfileLibrary.defaultDirectory(executablePath: directory + "/checkout/.build/debug/termflash",
                                                    environment: [:])
        XCTAssertEqual(found.map(resolved), resolved(directory + "/checkout/DeviceProfiles"))
        // Outside the checkout the walk must not find it (it may find an enclosing one, as when
        // the temporary folder lives inside this repository).
        let outside = ProfileLibrary.defaultDirectory(executablePath: directory + "/elsewhere/termflash", environment: [:])
        XCTAssertNotEqual(outside.map(resolved), resolved(directory + "/checkout/DeviceProfiles"))
    }

    func testLocatorFindsThisRepositoryFromItsBuildFolder() {
        let executable = (Self.repositoryProfiles as NSString).deletingLastPathComponent + "/.build/debug/termflash"
        let found = ProfileLibrary.defaultDirectory(executablePath: executable, environment: [:])
        XCTAssertEqual(found.map(resolved), resolved(Self.repositoryProfiles))
    }

    private func resolved(_ path: String) -> String {
        ((path as NSString).resolvingSymlinksInPath as NSString).standardizingPath
    }
}
