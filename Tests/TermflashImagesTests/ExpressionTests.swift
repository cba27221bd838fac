import TermflashImages
import XCTest

/// Sector and patch-value expressions as rawprogram and patch files write them.
final class ExpressionTests: XCTestCase {
    func testSectorFormsResolveAgainstTheDiskSize() throws {
        XCTAssertEqual(try SectorExpression("34").literal, 34)
        XCTAssertEqual(try SectorExpression("0x22").literal, 34)
        XCTAssertEqual(try SectorExpression("40.").literal, 40)
        let backup = try SectorExpression("NUM_DISK_SECTORS-33.")
        XCTAssertNil(backup.literal)
        XCTAssertTrue(backup.isSymbolic)
        XCTAssertEqual(try backup.resolve(diskSectors: 1_000), 967)
        XCTAssertEqual(try SectorExpression(" NUM_DISK_SECTORS-5. ").resolve(diskSectors: 6), 1)
        let bytes = try Expression.parse("(4096*NUM_DISK_SECTORS)-20480.")
        XCTAssertEqual(try bytes.evaluate(diskSectors: 100), 4096 * 100 - 20480)
        XCTAssertEqual(try Expression.parse("2+3*4-(10/5)").evaluate(diskSectors: nil), 12)
    }

    func testFaultsNameThePosition() {
        XCTAssertThrowsError(try SectorExpression("NUM_DISK_SECTORS-")) { error in
            XCTAssertEqual(error as? ExpressionError, .syntax(text: "NUM_DISK_SECTORS-", position: 17, expected: "a number, NUM_DISK_SECTORS, CRC32(...) or '('"))
            XCTAssertTrue("\(error)".contains("character 18"), "\(error)")
        }
        XCTAssertThrowsError(try SectorExpression("34 35"))
        XCTAssertThrowsError(try SectorExpression("CRC32(1,92)"), "a sector number never reads storage")
        XCTAssertThrowsError(try SectorExpression("NUM_DISK_SECTORS-40.").resolve(diskSectors: 33)) { error in
            XCTAssertTrue("\(error)".contains("33 - 40"), "\(error)")
        }
        XCTAssertThrowsError(try Expression.parse("4/0").evaluate(diskSectors: nil)) { error in
            XCTAssertEqual(error as? ExpressionError, .divisionByZero(expression: "(4/0)"))
        }
        XCTAssertThrowsError(try SectorExpression("NUM_DISK_SECTORS-1.").resolve(diskSectors: 0))
    }

    func testCRC32ReadsTheRangeItNames() throws {
        let value = try PatchValue("CRC32(NUM_DISK_SECTORS-3.,6)")
        XCTAssertTrue(value.isCRC32)
        XCTAssertNil(value.literal)
        var asked: [(UInt64, UInt64)] = []
        let crc = try value.expression.evaluate(diskSectors: 10) { start, length in
            asked.append((start, length))
            return Array("123456".utf8)
        }
        XCTAssertEqual(asked.map(\.0), [7])
        XCTAssertEqual(asked.map(\.1), [6])
        XCTAssertEqual(crc, 0x0972_D361, "CRC-32 of '123456'")
        XCTAssertEqual(try PatchValue("0").literal, 0)
        XCTAssertThrowsError(try value.expression.evaluate(diskSectors: 10)) { error in
            XCTAssertEqual(error as? ExpressionError, .needsStorage(expression: "CRC32((NUM_DISK_SECTORS-3),6)"))
        }
    }
}
