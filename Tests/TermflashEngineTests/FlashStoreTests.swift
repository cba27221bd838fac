import Foundation
import TermflashSimulator
import TestSupport
import XCTest

/// The simulated storage every device simulator writes to.
final class FlashStoreTests: XCTestCase {
    func testWritesLandInTheFileAndSectorsAreCounted() throws {
        let folder = try Fixtures.temporaryDirectory()
        let store = try FlashStore(paths: ["\(folder)/lun0.img", "\(folder)/lun1.img"], sizes: [64 << 10, 16 << 10], sectorSize: 4096)
        try store.write(lun: 1, offset: 4000, bytes: [UInt8](repeating: 0xAB, count: 200))
        try store.synchronize()
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(folder)/lun1.img")))
        XCTAssertEqual(file.count, 16 << 10)
        XCTAssertEqual(Array(file[4000..<4200]), [UInt8](repeating: 0xAB, count: 200))
        XCTAssertEqual(file[3999], 0)
        XCTAssertEqual(store.sectorsWritten, 2, "200 bytes at 4000 touch sectors 0 and 1")
        XCTAssertEqual(try store.read(lun: 1, offset: 4100, length: 4), [0xAB, 0xAB, 0xAB, 0xAB])
    }

    func testOutOfRangeAndInjectedFailures() throws {
        let folder = try Fixtures.temporaryDirectory()
        let store = try FlashStore(paths: ["\(folder)/a.img"], sizes: [8192], sectorSize: 512)
        XCTAssertThrowsError(try store.write(lun: 0, offset: 8000, bytes: [UInt8](repeating: 1, count: 300))) { error in
            XCTAssertEqual(error as? FlashStoreError, .outOfRange(lun: 0, offset: 8000, length: 300, size: 8192))
        }
        XCTAssertThrowsError(try store.read(lun: 2, offset: 0, length: 1)) { error in
            XCTAssertEqual(error as? FlashStoreError, .noSuchLUN(2, available: 1))
        }
        store.failAfterBytes = 1024
        try store.write(lun: 0, offset: 0, bytes: [UInt8](repeating: 2, count: 1024))
        XCTAssertThrowsError(try store.write(lun: 0, offset: 1024, bytes: [3])) { error in
            XCTAssertEqual(error as? FlashStoreError, .injectedFailure(afterBytes: 1024))
        }
    }
}
