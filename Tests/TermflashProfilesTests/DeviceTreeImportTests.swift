import Foundation
import TermflashCore
import TermflashProfiles
import XCTest

/// `profile import-dts` against the OpenWrt device trees of ZTE routers (copied into
/// Tests/Fixtures/dts), and the shipped router profiles against what the trees say.
final class DeviceTreeImportTests: ProfileTestCase {
    static let folder = (ProfileTestCase.repositoryProfiles as NSString).deletingLastPathComponent + "/Tests/Fixtures/dts"

    struct Row: Equatable, CustomStringConvertible {
        let name: String, offset: Int, size: Int, readOnly: Bool
        var description: String { "\(name) 0x\(String(offset, radix: 16))+0x\(String(size, radix: 16))\(readOnly ? " ro" : "")" }
    }

    func testMF286FollowsIncludesAndTrustsRegOverTheNodeName() throws {
        let imported = try DeviceTreeImport.load(file: Self.folder + "/ath79__qca9563_zte_mf286.dts")
        XCTAssertEqual(imported.model, "ZTE MF286")
        XCTAssertEqual(imported.storage.map(\.name), ["nor", "nand"])
        XCTAssertEqual(imported.storage.map(\.type), [.spiNOR, .nand])
        XCTAssertEqual(rows(imported.storage[0]).map(\.description), ["u-boot 0x0+0x80000 ro", "u-boot-env 0x80000+0x20000 ro"])
        XCTAssertEqual(rows(imported.storage[1]).map(\.description), [
            "fota-flag 0x0+0x140000 ro", "caldata 0x140000+0x140000 ro", "mac 0x280000+0x140000 ro",
            "ubiconcat0 0x3c0000+0xf40000", "kernel 0x1300000+0x400000", "ubiconcat1 0x1700000+0x6900000",
        ])
        XCTAssertTrue(imported.warnings.contains { $0.contains("partition@1600000 (ubiconcat1): the node name says 0x1600000 but reg says 0x1700000") },
                      "\(imported.warnings)")
        XCTAssertFalse(imported.storage[1].partitions.contains { $0.name.hasPrefix("cal") && $0.name != "caldata" }, "NVMEM cells are not partitions")
    }

    func testMF286ConcatenationIsMappedOntoItsTwoMembers() throws {
        let imported = try DeviceTreeImport.load(file: Self.folder + "/ath79__qca9563_zte_mf286.dts")
        let concat = try XCTUnwrap(imported.concatenations.first)
        XCTAssertEqual(concat.members, ["ubiconcat0", "ubiconcat1"])
        let ubi = try XCTUnwrap(concat.partitions.first)
        XCTAssertEqual(ubi.name, "ubi")
        XCTAssertEqual(ubi.size, 0x7840000)
        XCTAssertEqual(ubi.pieces, [DeviceTreeImport.Piece(member: "ubiconcat0", offset: 0, length: 0xf40000),
                                    DeviceTreeImport.Piece(member: "ubiconcat1", offset: 0, length: 0x6900000)])
        XCTAssertEqual(ubi.pieces.map(\.length).reduce(0, +), ubi.size, "the concatenation covers exactly its members")
    }

    func testMF286AAndMF286RShareTheirTableThroughTwoLevelsOfIncludes() throws {
        let mf286a = try DeviceTreeImport.load(file: Self.folder + "/ath79__qca9563_zte_mf286a.dts__coolsnowwolf-lede")
        let mf286r = try DeviceTreeImport.load(file: Self.folder + "/ath79__qca9563_zte_mf286r.dts__coolsnowwolf-lede")
        XCTAssertEqual(mf286a.model, "ZTE MF286A")
        XCTAssertEqual(mf286r.model, "ZTE MF286R")
        XCTAssertEqual(rows(mf286a.storage[0]).map(\.description),
                       ["u-boot 0x0+0xa0000 ro", "u-boot-env 0xa0000+0x20000 ro", "reserved1 0xc0000+0x140000 ro"])
        XCTAssertEqual(rows(mf286a.storage[1]).first { $0.name == "art" }?.description, "art 0xa0000+0x80000 ro")
        XCTAssertEqual(mf286a.storage, mf286r.storage)
        XCTAssertEqual(mf286a.concatenations.first?.partitions.first?.size, 0x7a60000)
    }

    func testShippedRouterProfilesMatchTheirDeviceTrees() throws {
        let library = try ProfileLibrary.load(directory: Self.repositoryProfiles)
        let sources = ["mf286": "ath79__qca9563_zte_mf286.dts", "mf286a": "ath79__qca9563_zte_mf286a.dts__coolsnowwolf-lede",
                       "mf286r": "ath79__qca9563_zte_mf286r.dts__coolsnowwolf-lede", "mf286d": "ipq40xx__qcom-ipq4019-mf286d.dts",
                       "mf289f": "ipq40xx__qcom-ipq4019-mf289f.dts"]
        for (id, file) in sources {
            let profile = try library.requireProfile(id: id)
            let imported = try DeviceTreeImport.load(file: Self.folder + "/" + file)
            XCTAssertEqual(profile.protocolFamily, .uboot, id)
            XCTAssertNotNil(profile.console?.loadAddress, id)
            XCTAssertNotNil(profile.console?.ramWindowBytes, id)
            XCTAssertEqual(profile.storage.map(\.type), imported.storage.map(\.type), id)
            for (shipped, tree) in zip(profile.storage, imported.storage) {
                XCTAssertEqual(rows(shipped), rows(tree), "\(id) \(shipped.name)")
            }
        }
    }

    func testNestedPartitionsTwoCellRegsAndOverlaysOfMissingLabels() throws {
        let source = """
        /dts-v1/;
        #include "missing-soc.dtsi"
        #include <dt-bindings/gpio/gpio.h>
        / { model = "Test Board"; compatible = "acme,board", "acme,soc"; };
        &spi {
            nor: flash@0 {
                compatible = "jedec,spi-nor";
                partitions {
                    compatible = "fixed-partitions";
                    #address-cells = <2>;
                    #size-cells = <2>;
                    partition@0 { label = "boot"; reg = <0x0 0x0 0x0 0x40000>; read-only; };
                    firmware: partition@40000 {
                        label = "firmware";
                        reg = <0x0 0x40000 0x0 0x7c0000>;
                        partitions {
                            compatible = "fixed-partitions";
                            #address-cells = <1>;
                            #size-cells = <1>;
                            partition@0 { label = "kernel"; reg = <0x0 0x200000>; };
                            partition@200000 { label = "rootfs"; reg = <0x200000 0x5c0000>; };
                        };
                    };
                };
            };
        };
        &nor { partitions { partition@0 { /delete-property/ read-only; }; }; };
        """
        let imported = try DeviceTreeImport(DeviceTreeParser.parse(text: source))
        XCTAssertEqual(imported.compatible, ["acme,board", "acme,soc"])
        let chip = try XCTUnwrap(imported.storage.first)
        XCTAssertEqual(rows(chip).map(\.description), ["boot 0x0+0x40000", "firmware 0x40000+0x7c0000"])
        XCTAssertEqual(chip.partition(named: "rootfs")?.offset, 0x200000, "nested offsets stay relative to the parent")
        XCTAssertEqual(chip.partitions[1].partitions.map(\.name), ["kernel", "rootfs"])
        XCTAssertEqual(imported.warnings, ["include \"missing-soc.dtsi\" was not found; nodes it defines are missing"])
        let yaml = imported.profileYAML(source: "test.dts")
        let path = try write("imported.yaml", yaml)
        XCTAssertEqual(ProfileLibrary.validate(files: [path]).map(\.description), [], yaml)
    }

    func testBrokenSourceNamesFileAndLine() {
        let source = "/dts-v1/;\n/ {\n  node {\n    reg = <0x0 0x10>\n  };\n};\n"
        XCTAssertThrowsError(try DeviceTreeParser.parse(text: source, name: "broken.dts")) { error in
            XCTAssertEqual("\(error)", "broken.dts:5: expected ';', found '}'")
        }
    }

    private func rows(_ layout: StorageLayout) -> [Row] {
        layout.partitions.map { Row(name: $0.name, offset: $0.offset, size: $0.size, readOnly: $0.readOnly) }
    }
}
