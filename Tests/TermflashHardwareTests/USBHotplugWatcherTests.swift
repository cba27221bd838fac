import Foundation
import TermflashCore
import TermflashHardware
import TestSupport
import XCTest

/// `wait` through real libusb hotplug events raised by an in-process umockdev testbed.
final class USBHotplugWatcherTests: XCTestCase {
    private let diagSysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"

    func testReturnsTheDeviceWhenItReEnumeratesInDownloadMode() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-diag.umockdev")
        // The root hub is already in the testbed: plug in only the download-mode device.
        let downloadMode = try String(contentsOfFile: Fixtures.path("umockdev/edl-9008.umockdev"), encoding: .utf8)
            .components(separatedBy: "\n\n").filter { !$0.hasPrefix("P: /devices/pci0000:00/0000:00:14.0/usb1\n") }
            .joined(separator: "\n\n")

        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) {
            testbed.remove(sysfsPath: self.diagSysfs)
            try? testbed.add(description: downloadMode)
        }
        let started = Date()
        let found = try USBHotplugWatcher.wait(for: "download-mode device", timeoutSeconds: 10) {
            $0.identity == USBIdentity("05c6:9008")
        }
        XCTAssertEqual(found.path, "1-2")
        XCTAssertEqual(found.interfaces.first?.driver, "qcserial")
        XCTAssertLessThan(Date().timeIntervalSince(started), 9, "the arrival must end the wait, not the timeout")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.4, "the device was not there before")
    }

    func testReturnsAtOnceWhenTheDeviceIsAlreadyThere() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "edl-9008.umockdev")
        let found = try USBHotplugWatcher.wait(for: "download-mode device", timeoutSeconds: 5) {
            $0.identity == USBIdentity("05c6:9008")
        }
        XCTAssertEqual(found.identity.description, "05c6:9008")
        withExtendedLifetime(testbed) {}
    }

    func testTimeoutNamesWhatWasSeen() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-diag.umockdev")
        XCTAssertThrowsError(try USBHotplugWatcher.wait(for: "device in download mode", timeoutSeconds: 0.6) {
            $0.identity == USBIdentity("05c6:9008")
        }) { error in
            XCTAssertEqual("\(error)", "no device in download mode appeared within 0.6 s; seen: 1-1 19d2:0016 ZTE Technologies MSM")
            XCTAssertEqual((error as? HardwareError)?.exitStatus, .timedOut)
        }
        withExtendedLifetime(testbed) {}
    }
}
