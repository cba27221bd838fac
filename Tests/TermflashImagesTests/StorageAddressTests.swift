import TermflashImages
import XCTest

/// `LABEL` and `LUN/START+COUNT` addresses of the read/erase commands.
final class StorageAddressTests: XCTestCase {
    func testBothFormsParse() throws {
        XCTAssertEqual(try StorageAddress.parse("modem"), .label("modem"))
        XCTAssertEqual(try StorageAddress.parse("boot_a"), .label("boot_a"))
        XCTAssertEqual(try StorageAddress.parse("0/34+8192"), .sectors(lun: 0, start: 34, count: 8192))
        XCTAssertEqual(try StorageAddress.parse("4/0x10+0x6"), .sectors(lun: 4, start: 16, count: 6))
        XCTAssertEqual(try StorageAddress.parse("1/0+1").description, "1/0+1")
    }

    func testFaultsSayWhatIsWrong() {
        for (text, fragment) in [("", "is empty"), ("0/34", "START+COUNT"), ("0/x+1", "START 'x'"), ("0/1+0", "COUNT '0'"),
                                 ("300/0+1", "LUN '300'"), ("a/b", "neither"), ("0/1+2/3", "more than one")] {
            XCTAssertThrowsError(try StorageAddress.parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(text): \(error)")
                XCTAssertNotNil((error as? StorageAddressError)?.advice)
            }
        }
    }

    func testLabelsResolveThroughTheLUNsTables() throws {
        let image = try GPTBuilder(sectorSize: 4096, diskSectors: 1024, diskGUID: GUID("11111111-2222-3333-4444-555555555555")!, partitions: [
            .init(name: "fsg", typeGUID: GUID("638FF8E2-22C9-E33B-8F5D-0E81686A68CB")!, uniqueGUID: .zero, sectors: 16),
        ]).build()
        let tables = [2: image.table]
        let resolved = try StorageAddress.parse("fsg").resolve(in: tables)
        XCTAssertEqual(resolved.lun, 2)
        XCTAssertEqual(resolved.start, 6, "4096-byte sectors: MBR, header, 4 entry sectors")
        XCTAssertEqual(resolved.count, 16)
        XCTAssertThrowsError(try StorageAddress.label("modem").resolve(in: tables)) { error in
            XCTAssertTrue("\(error)".contains("hold: fsg"), "\(error)")
        }
    }
}
