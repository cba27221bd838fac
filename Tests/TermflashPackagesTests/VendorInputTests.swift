import Foundation
import TermflashCore
import TermflashCrypto
import TermflashEngine
@testable import TermflashPackages
import TermflashProfiles
import TestSupport
import XCTest

/// OpenWrt images and rawprogram sets built byte by byte as their tools lay them out.
final class VendorInputTests: PackageTestCase {
    private func be32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }

    /// A legacy uImage: 64-byte header with header and data CRC-32.
    private func uImage(_ data: [UInt8], name: String = "ARM OpenWrt Linux-6.1") -> [UInt8] {
        var header = be32(0x2705_1956) + be32(0) + be32(0) + be32(UInt32(data.count)) + be32(0x8020_8000) + be32(0x8020_8000)
        header += be32(CRC32.checksum(data)) + [5, 2, 2, 0]
        header += Array(name.utf8) + [UInt8](repeating: 0, count: 32 - name.utf8.count)
        header.replaceSubrange(4..<8, with: be32(CRC32.checksum(header)))
        return header + data
    }

    /// `body` with fwtool chunks: metadata (type 1) and, optionally, a signature (type 0).
    private func sysupgrade(_ body: [UInt8], devices: [String], signature: [UInt8]? = nil) -> [UInt8] {
        let json = #"{"metadata_version":"1.1","compat_version":"1.0","supported_devices":[\#(devices.map { "\"\($0)\"" }.joined(separator: ","))],"version":{"dist":"OpenWrt","version":"23.05.3","revision":"r23809-234f1a2efa","target":"ipq40xx/generic","board":"zte_mf286d"}}"#
        var file = body + be32(1) + be32(0) + Array(json.utf8)
        file += trailer(over: file, type: 1, size: 8 + json.utf8.count + 16)
        if let signature {
            file += signature
            file += trailer(over: file, type: 0, size: signature.count + 16)
        }
        return file
    }

    private func trailer(over bytes: [UInt8], type: UInt8, size: Int) -> [UInt8] {
        be32(0x4657_7830) + be32(~CRC32.checksum(bytes)) + [type, 0, 0, 0] + be32(UInt32(size))
    }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = "\(folder)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private let profile = DeviceProfile(id: "mf286d", vendor: "ZTE", model: "MF286D", kind: .router, protocolFamily: .uboot)

    func testSysupgradeMetadataAndChecksumsAreRead() throws {
        let kernel = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let body = uImage(kernel)
        let path = try write(sysupgrade(body, devices: ["zte,mf286d"], signature: [UInt8](repeating: 0x55, count: 80)), "sysupgrade.bin")
        guard case let .openWrt(image) = try FirmwareInput.recognize(path, verifier: verifier()) else { return XCTFail("not OpenWrt") }
        XCTAssertEqual(image.kind, "sysupgrade")
        XCTAssertEqual(image.body, .uImage)
        XCTAssertEqual(image.bodyLength, UInt64(body.count))
        XCTAssertEqual(image.supportedDevices, ["zte,mf286d"])
        XCTAssertEqual(image.metadata["version"], "23.05.3")
        XCTAssertTrue(image.hasUsignSignature)
        XCTAssertEqual(image.bodyName, "ARM OpenWrt Linux-6.1")
        XCTAssertNoThrow(try image.checkSupports(vendor: "ZTE", model: "MF286D"))
        XCTAssertThrowsError(try image.checkSupports(vendor: "ZTE", model: "MF289F")) { error in
            XCTAssertTrue("\(error)".contains("metadata field supported_devices is zte,mf286d; the device profile is zte,mf289f"), "\(error)")
        }
    }

    func testOnlyTheBodyIsFlashedAndOnlyWithAllowUnsigned() throws {
        let body = uImage([UInt8](repeating: 7, count: 3000))
        let path = try write(sysupgrade(body, devices: ["zte,mf286d"]), "sysupgrade.bin")
        let strict = FlashInputResolver(verifier: verifier(), allowUnsigned: false, packageGuard: PackageGuard(), unit: UnitFacts(), profile: profile)
        XCTAssertThrowsError(try strict.resolve([path], partitions: ["firmware"])) { error in
            XCTAssertEqual(error as? PackageError, .unsigned(what: "\(path) (OpenWrt sysupgrade image (uImage))"))
        }
        var lenient = strict
        lenient.allowUnsigned = true
        let resolved = try lenient.resolve([path], partitions: ["firmware"])
        XCTAssertEqual(resolved.images.first?.reference.length, UInt64(body.count))
        XCTAssertEqual(resolved.images.first?.reference.sha256, SHA256.hash(body).hexString)
        XCTAssertEqual(resolved.images.first?.partition, "firmware")
    }

    func testDamagedImagesAreRefusedWithTheChecksumNamed() throws {
        let good = sysupgrade(uImage([UInt8](repeating: 9, count: 2000)), devices: ["zte,mf286d"])
        var damagedData = good
        damagedData[100] ^= 1
        XCTAssertThrowsError(try OpenWrtImage.read(path: try write(damagedData, "a.bin"))) { error in
            XCTAssertTrue("\(error)".contains("fwtool trailer at byte"), "\(error)")
        }
        var bareUImage = uImage([UInt8](repeating: 9, count: 2000))
        bareUImage[500] ^= 1
        XCTAssertThrowsError(try OpenWrtImage.read(path: try write(bareUImage, "b.bin"))) { error in
            XCTAssertTrue("\(error)".contains("uImage data crc field"), "\(error)")
        }
        let truncated = Array(uImage([UInt8](repeating: 9, count: 2000)).prefix(1000))
        XCTAssertThrowsError(try OpenWrtImage.read(path: try write(truncated, "c.bin"))) { error in
            XCTAssertTrue("\(error)".contains("declares 2000 data bytes, the image has 936 (truncated)"), "\(error)")
        }
    }

    func testFactoryUBIImageIsRecognisedWithoutMetadata() throws {
        let ubi = Array("UBI#".utf8) + [UInt8](repeating: 0xFF, count: 4092)
        guard case let .openWrt(image) = try FirmwareInput.recognize(try write(ubi, "factory.ubi"), verifier: verifier()) else {
            return XCTFail("not recognised")
        }
        XCTAssertEqual(image.kind, "factory")
        XCTAssertEqual(image.body, .ubi)
    }

    func testRawprogramFolderChecksFilesAgainstReservedSectors() throws {
        let set = "\(folder)/flat"
        try FileManager.default.createDirectory(atPath: set, withIntermediateDirectories: true)
        let xml = """
        <?xml version="1.0" ?>
        <data>
          <program SECTOR_SIZE_IN_BYTES="512" filename="boot.img" label="boot" num_partition_sectors="4" physical_partition_number="0" start_sector="64"/>
          <program SECTOR_SIZE_IN_BYTES="512" filename="" label="userdata" num_partition_sectors="100" physical_partition_number="0" start_sector="128"/>
        </data>
        """
        try xml.write(toFile: "\(set)/rawprogram0.xml", atomically: true, encoding: .utf8)
        try Data(repeating: 1, count: 2048).write(to: URL(fileURLWithPath: "\(set)/boot.img"))
        guard case let .rawprogram(input) = try FirmwareInput.recognize(set, verifier: verifier()) else { return XCTFail("not rawprogram") }
        XCTAssertEqual(input.entries.first, .init(xml: "rawprogram0.xml", label: "boot", filename: "boot.img", lun: "0", reservedBytes: 2048, fileSize: 2048))
        try Data(repeating: 1, count: 2049).write(to: URL(fileURLWithPath: "\(set)/boot.img"))
        XCTAssertThrowsError(try RawprogramInput.read(path: set)) { error in
            XCTAssertTrue("\(error)".contains("boot.img") && "\(error)".contains("2049 bytes") && "\(error)".contains("2048"), "\(error)")
        }
        let strict = FlashInputResolver(verifier: verifier(), allowUnsigned: false, packageGuard: PackageGuard(), unit: UnitFacts(), profile: nil)
        XCTAssertThrowsError(try strict.resolve([set], partitions: [])) { error in
            guard case .vendorFormat? = error as? PackageError else { return XCTFail("\(error)") }
        }
    }

    func testRawprogramZipIsReadAndItsImagesSized() throws {
        let set = "\(folder)/zipped"
        try FileManager.default.createDirectory(atPath: set, withIntermediateDirectories: true)
        try #"<data><program SECTOR_SIZE_IN_BYTES="512" filename="modem.img" label="modem" num_partition_sectors="8" physical_partition_number="0" start_sector="64"/></data>"#
            .write(toFile: "\(set)/rawprogram_unsparse.xml", atomically: true, encoding: .utf8)
        try Data(repeating: 2, count: 1000).write(to: URL(fileURLWithPath: "\(set)/modem.img"))
        let zip = try XCTUnwrap(which("zip") ?? which("python3"))
        let output = "\(folder)/set.zip"
        let result = zip.hasSuffix("zip")
            ? try runProcess(zip, ["-0", "-j", output, "\(set)/rawprogram_unsparse.xml", "\(set)/modem.img"])
            : try runProcess(zip, ["-c", "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); [z.write(f, f.split('/')[-1]) for f in sys.argv[2:]]",
                                   output, "\(set)/rawprogram_unsparse.xml", "\(set)/modem.img"])
        XCTAssertEqual(result.status, 0, result.standardError)
        guard case let .rawprogram(input) = try FirmwareInput.recognize(output, verifier: verifier()) else { return XCTFail("not rawprogram") }
        XCTAssertEqual(input.container, "zip")
        XCTAssertEqual(input.entries.map(\.filename), ["modem.img"])
        XCTAssertEqual(input.entries.first?.fileSize, 1000)
    }
}
