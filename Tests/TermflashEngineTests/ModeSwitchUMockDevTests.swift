import Dispatch
import Foundation
import TermflashCore
import TermflashEngine
import TermflashHardware
import TermflashProfiles
import TestSupport
import XCTest

/// `mode --to download` on an MF823 under umockdev: real libusb enumeration and hotplug,
/// the AT and DIAG dialogues replayed on fake ttyUSB nodes by termios, and the unit
/// re-enumerating in the testbed after each trigger.
final class ModeSwitchUMockDevTests: XCTestCase {
    private let hub = "/sys/devices/pci0000:00/0000:00:14.0/usb1/"

    private func mf823() throws -> DeviceProfile {
        let library = try ProfileLibrary.load(directory: Fixtures.repositoryRoot + "/DeviceProfiles")
        return try XCTUnwrap(library.profiles.first { $0.id == "mf823" })
    }

    /// The unit without the root hub the testbed already holds.
    private func unit(_ fixture: String) throws -> String {
        try String(contentsOfFile: Fixtures.path("umockdev/\(fixture)"), encoding: .utf8)
            .components(separatedBy: "\n\n").filter { !$0.hasPrefix("P: /devices/pci0000:00/0000:00:14.0/usb1\n") }
            .joined(separator: "\n\n")
    }

    /// Real hardware access, with the unit's re-enumeration played by the testbed while
    /// termflash waits: `reaction[identity]` is the fixture (and tty script) it comes back as.
    private func environment(_ testbed: UMockDevTestbed, reactions: [String: (leaves: String, fixture: String, script: (String, String)?)]) -> ModeSwitchEnvironment {
        let ready = DispatchSemaphore(value: 1)
        return ModeSwitchEnvironment(
            sendBulk: { device, interface, messages in
                let transport = try USBTransport(device: device, interface: interface)
                defer { transport.close() }
                for message in messages { try transport.write(message, deadline: .after(seconds: 2)) }
            },
            openSerial: { node in
                ready.wait()
                ready.signal()
                return try SerialTransport(node: node)
            },
            waitFor: { identity, seconds in
                if let reaction = reactions[identity.description] {
                    ready.wait()
                    DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
                        testbed.remove(sysfsPath: self.hub + reaction.leaves)
                        try? testbed.add(description: try self.unit(reaction.fixture))
                        if let (node, script) = reaction.script { try? testbed.loadScript(node: node, file: Fixtures.path(script)) }
                        ready.signal()
                    }
                }
                return try USBHotplugWatcher.wait(for: "device as \(identity)", timeoutSeconds: seconds) { $0.identity == identity }
            })
    }

    func testModemToDownloadThroughTheATPortAndDIAGConfirmedByIdentity() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-modem-at.umockdev")
        try testbed.loadScript(node: "/dev/ttyUSB5", file: Fixtures.path("at/mf823-zcdrun-e.script"))
        let start = try XCTUnwrap(try USBEnumerator.devices().first { $0.identity == USBIdentity("19d2:1405") })
        let profile = try mf823()
        let plan = try ModeSwitchPlan(profile: profile, from: .modem, to: .download)
        XCTAssertEqual(plan.steps.map(\.to), [.diag, .download])
        var runner = ModeSwitchRunner(plan: plan, environment: environment(testbed, reactions: [
            "19d2:0016": ("1-3", "mf823-diag.umockdev", ("/dev/ttyUSB0", "hdlc/mf823-diag-dload.script")),
            "19d2:0076": ("1-1", "mf823-download.umockdev", nil),
        ]))
        runner.timeoutSeconds = 10
        runner.ports = [.at: "/dev/ttyUSB5"]  // 19d2:1405 names no AT interface in the profile
        let results = try runner.run(from: start) { identity in profile.identity(identity)?.interfaceRoles ?? [:] }
        XCTAssertEqual(results.map(\.identity), ["19d2:0016", "19d2:0076"])
        XCTAssertEqual(results.first?.reply?.contains("Enter download mode result(0:FAIL 1:SUCCESS):1"), true, "the reply is reported")
        XCTAssertEqual(results.map(\.path), ["1-1", "1-2"])
        XCTAssertEqual(try USBEnumerator.devices().first { $0.path == "1-2" }?.interfaces.first?.driver, "qcserial")
    }

    func testASuccessReplyWithoutReEnumerationIsAFailure() throws {
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-diag.umockdev")
        try testbed.loadScript(node: "/dev/ttyUSB0", file: Fixtures.path("hdlc/mf823-diag-dload.script"))
        let start = try XCTUnwrap(try USBEnumerator.devices().first { $0.identity == USBIdentity("19d2:0016") })
        let profile = try mf823()
        var runner = ModeSwitchRunner(plan: try ModeSwitchPlan(profile: profile, from: .diag, to: .download),
                                      environment: environment(testbed, reactions: [:]))
        runner.timeoutSeconds = 1
        XCTAssertThrowsError(try runner.run(from: start) { profile.identity($0)?.interfaceRoles ?? [:] }) { error in
            XCTAssertTrue("\(error)".contains("did not come back as 19d2:0076"), "\(error)")
            XCTAssertTrue("\(error)".contains("seen: 1-1 19d2:0016"), "\(error)")
        }
    }

    func testUnreachableModesNameWhatCanBeReached() throws {
        XCTAssertThrowsError(try ModeSwitchPlan(profile: try mf823(), from: .download, to: .modem)) { error in
            XCTAssertEqual("\(error)", "profile mf823 has no mode switches from download to modem; from download it reaches: download")
        }
    }
}
