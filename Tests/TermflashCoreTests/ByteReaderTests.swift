import TermflashCore
import XCTest

final class ByteReaderTests: XCTestCase {
    func testReadsBothByteOrdersAndWriterIsItsInverse() throws {
        var writer = ByteWriter()
        writer.write(UInt32(0x1122_3344), endianness: .little)
        writer.write(UInt16(0xAABB), endianness: .big)
        writer.write(UInt64(0x0102_0304_0506_0708), endianness: .little)
        XCTAssertEqual(Array(writer.bytes.prefix(6)), [0x44, 0x33, 0x22, 0x11, 0xAA, 0xBB])
        var reader = ByteReader(writer.bytes)
        XCTAssertEqual(try reader.read(UInt32.self, endianness: .little), 0x1122_3344)
        XCTAssertEqual(try reader.read(UInt16.self, endianness: .big), 0xAABB)
        XCTAssertEqual(try reader.read(UInt64.self, endianness: .little), 0x0102_0304_0506_0708)
        XCTAssertEqual(reader.remaining, 0)
    }

    func testReadingPastTheEndNamesTheOffset() {
        var reader = ByteReader([1, 2, 3])
        XCTAssertThrowsError(try reader.read(UInt32.self, endianness: .little)) { error in
            XCTAssertEqual(error as? ByteReaderError, .truncated(offset: 0, needed: 4, available: 3))
            XCTAssertEqual("\(error)", "truncated at offset 0: needed 4 bytes, 3 left")
        }
    }

    func testUSBIdentityParsingAndPrinting() {
        XCTAssertEqual(USBIdentity("19D2:0016")?.description, "19d2:0016")
        XCTAssertEqual(USBIdentity("5c6:9008")?.description, "05c6:9008")
        XCTAssertNil(USBIdentity("19d2"))
        XCTAssertNil(USBIdentity("19d2:00160"))
        XCTAssertNil(USBIdentity("zz:0016"))
    }
}
