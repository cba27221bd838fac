import TermflashCore
import XCTest

/// The chapter-9 parser on real-shaped blobs, whole and damaged.
final class USBDescriptorParserTests: XCTestCase {
    /// The sysfs `descriptors` blob of a ZTE 19d2:0016 in diag mode: three ff/ff/ff interfaces,
    /// interfaces 1 and 2 with an interrupt endpoint besides their bulk pair.
    private let diagBlob = bytes("""
        1201000200000040D219160000000102030109025C0003010080FA0904000002FFFFFF00070581020002000705010200\
        02000904010003FFFFFF000705820200020007050202000200070583034000090904020003FFFFFF00070584020002\
        000705030200020007058503400009
        """)

    func testParsesDeviceConfigurationInterfacesAndEndpoints() throws {
        let set = try USBDescriptorSet(parsing: diagBlob)
        XCTAssertEqual(set.identity, USBIdentity("19d2:0016"))
        XCTAssertEqual(set.usbVersion, 0x0200)
        XCTAssertEqual(set.controlPacketSize, 64)
        XCTAssertEqual(set.configurations.count, 1)
        let interfaces = set.configurations[0].interfaces
        XCTAssertEqual(interfaces.map(\.number), [0, 1, 2])
        XCTAssertEqual(interfaces[1].endpoints.map(\.address), [0x82, 0x02, 0x83])
        XCTAssertEqual(interfaces[1].endpoints.map(\.transferType), [.bulk, .bulk, .interrupt])
        XCTAssertEqual(interfaces[1].endpoints.map(\.maxPacketSize), [512, 512, 64])
        XCTAssertTrue(interfaces[2].endpoints[0].isIn)
        XCTAssertFalse(interfaces[2].endpoints[1].isIn)
    }

    func testEveryTruncationIsATypedErrorNeverACrash() {
        for length in 0..<diagBlob.count {
            let prefix = Array(diagBlob.prefix(length))
            do {
                let set = try USBDescriptorSet(parsing: prefix)
                // Cutting exactly between descriptors is a valid, shorter blob.
                XCTAssertLessThanOrEqual(set.configurations.first?.interfaces.count ?? 0, 3)
            } catch {
                XCTAssertFalse("\(error)".isEmpty)
            }
        }
        XCTAssertThrowsError(try USBDescriptorSet(parsing: Array(diagBlob.prefix(30)))) { error in
            XCTAssertEqual(error as? USBDescriptorError, .truncated(offset: 29, needed: 7, available: 1))
        }
    }

    func testRejectsABlobThatIsNotADeviceDescriptor() {
        XCTAssertThrowsError(try USBDescriptorSet(parsing: Array(diagBlob.dropFirst(18)))) { error in
            XCTAssertEqual(error as? USBDescriptorError, .notADeviceDescriptor(type: 2))
        }
    }

    func testZeroLengthDescriptorIsRefusedWithItsOffset() {
        var blob = diagBlob
        blob[27] = 0  // the first interface descriptor's bLength
        XCTAssertThrowsError(try USBDescriptorSet(parsing: blob)) { error in
            XCTAssertEqual(error as? USBDescriptorError, .badLength(offset: 27, length: 0, type: 4))
        }
    }

    func testEndpointBeforeAnyInterfaceIsAnOrphan() {
        let blob = Array(diagBlob.prefix(27)) + [7, 5, 0x81, 2, 0, 2, 0]
        XCTAssertThrowsError(try USBDescriptorSet(parsing: blob)) { error in
            XCTAssertEqual(error as? USBDescriptorError, .orphanDescriptor(offset: 27, type: 5))
        }
    }
}

/// Hex text to bytes (test helper).
func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter(\.isHexDigit))
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}
