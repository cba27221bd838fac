@testable import TermflashEngine
import XCTest

/// What a Bulk-Only unit's 13-byte status after a usb_modeswitch command says, in words.
final class ModeSwitchBulkMessagesTests: XCTestCase {
    private let command: [UInt8] = [0x55, 0x53, 0x42, 0x43, 0x87, 0x65, 0x43, 0x21] + [UInt8](repeating: 0, count: 23)

    private func status(tag: [UInt8] = [0x87, 0x65, 0x43, 0x21], code: UInt8) -> [UInt8] {
        [0x55, 0x53, 0x42, 0x53] + tag + [0, 0, 0, 0, code]
    }

    func testStatusCodesAreNamed() {
        XCTAssertEqual(ModeSwitchBulkMessages.describeStatus(status(code: 0), for: command), "status passed")
        XCTAssertEqual(ModeSwitchBulkMessages.describeStatus(status(code: 1), for: command), "status failed")
        XCTAssertEqual(ModeSwitchBulkMessages.describeStatus(status(code: 2), for: command), "phase error")
        XCTAssertEqual(ModeSwitchBulkMessages.describeStatus(status(code: 9), for: command), "status 0x09")
    }

    func testAStatusForAnotherCommandOrNoStatusAtAllIsSaid() {
        XCTAssertEqual(ModeSwitchBulkMessages.describeStatus(status(tag: [1, 2, 3, 4], code: 0), for: command),
                       "status for another command (tag 01020304, sent 87654321)")
        XCTAssertEqual(ModeSwitchBulkMessages.describeStatus([0x7E, 0x01], for: command), "not a command status (2 bytes: 7e01)")
        XCTAssertEqual(ModeSwitchBulkMessages.describeStatus(Array(status(code: 0).prefix(12)), for: command),
                       "not a command status (12 bytes: 555342538765432100000000)")
    }
}
