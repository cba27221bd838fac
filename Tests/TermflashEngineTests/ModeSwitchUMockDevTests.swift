import Dispatch
import Foundation
import TermflashCore
import TermflashEngine
import TermflashHardware
import TermflashProfiles
import TestSupport
import XCTest

/// `mode --to download` and `--to modem` on an MF823 under umockdev: real libusb enumeration
/// and hotplug, the usb_modeswitch bulk messages replayed from a usbmon pcapng, the AT and
/// DIAG dialogues replayed on fake ttyUSB nodes by termios, and the unit re-enumerating in
/// the testbed after each trigger.
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
                return try ModeSwitchBulkMessages.send(messages, over: transport, timeoutSeconds: 1)
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

    // MARK: the usb_modeswitch step, from the CD-ROM identity 19d2:1225

    /// Facts from usb-modeswitch-data, copied into `Tests/Fixtures/usb-modeswitch`.
    private func modeswitchFacts() throws -> [String: String] {
        let text = try String(contentsOfFile: Fixtures.repositoryRoot + "/Tests/Fixtures/usb-modeswitch/zte-storage.txt", encoding: .utf8)
        var facts: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            facts[words[0] + " " + words[1]] = words[2]
        }
        return facts
    }

    private func bytes(_ hex: String?) throws -> [UInt8] {
        let text = Array(try XCTUnwrap(hex))
        return try stride(from: 0, to: text.count, by: 2).map { try XCTUnwrap(UInt8(String(text[$0...$0 + 1]), radix: 16)) }
    }

    /// usb_modeswitch's StandardEject command wrappers, as the fixture has them.
    private func standardEject() throws -> [[UInt8]] {
        let facts = try modeswitchFacts()
        return [try bytes(facts["standard-eject message-1"]), try bytes(facts["standard-eject message-2"])]
    }

    /// The "passed" status a Bulk-Only unit answers a command wrapper with (same tag).
    private func passed(_ command: [UInt8]) -> [UInt8] {
        [0x55, 0x53, 0x42, 0x53] + command[4..<8] + [0, 0, 0, 0, 0]
    }

    /// The MF823 in CD-ROM mode at 1-1 (bus 1, device 2) serving `exchanges` from a usbmon pcapng.
    private func storageUnit(serving exchanges: [(out: [UInt8], reply: [UInt8]?)]) throws -> (UMockDevTestbed, USBDeviceInfo) {
        let capture = try Fixtures.temporaryDirectory() + "/mf823-storage-eject.pcapng"
        try SyntheticCaptures.writeBulkExchanges(exchanges, device: 2, to: capture)
        let testbed = try UMockDevTestbed()
        try testbed.add(fixture: "mf823-cdrom.umockdev")
        try testbed.loadPcap(sysfsPath: hub + "1-1", file: capture)
        let start = try XCTUnwrap(try USBEnumerator.devices().first { $0.identity == USBIdentity("19d2:1225") })
        return (testbed, start)
    }

    private func storageToModem() throws -> (DeviceProfile, ModeSwitchPlan) {
        let profile = try mf823()
        let plan = try ModeSwitchPlan(profile: profile, from: .storage, to: .modem)
        let facts = try modeswitchFacts()
        XCTAssertEqual(plan.steps.map(\.expect.description), [try XCTUnwrap(facts["19d2:1225 target"])], "usb-modeswitch-data's TargetProduct")
        XCTAssertEqual(plan.steps.first?.standardEject, facts["19d2:1225 standard-eject"] == "1")
        return (profile, plan)
    }

    /// Runs storage → modem from `start` on `testbed` (which the caller keeps, to look at the
    /// bus afterwards); with `comesBack` the unit re-enumerates as the MF823 modem once switched.
    private func switchToModem(_ testbed: UMockDevTestbed, from start: USBDeviceInfo, comesBack: Bool = true,
                               timeoutSeconds: Double = 10) throws -> [ModeSwitchRunner.StepResult] {
        let (profile, plan) = try storageToModem()
        var runner = ModeSwitchRunner(plan: plan, environment: environment(testbed, reactions: comesBack ? [
            "19d2:1405": ("1-1", "mf823-modem-at.umockdev", nil),
        ] : [:]))
        runner.timeoutSeconds = timeoutSeconds
        return try runner.run(from: start) { profile.identity($0)?.interfaceRoles ?? [:] }
    }

    func testStorageToModemSendsTheStandardEjectOnTheBulkEndpointAndIsConfirmedByIdentity() throws {
        let eject = try standardEject()
        let (testbed, start) = try storageUnit(serving: eject.map { ($0, passed($0)) })
        let results = try switchToModem(testbed, from: start)
        XCTAssertEqual(results.map(\.identity), ["19d2:1405"])
        XCTAssertEqual(results.map(\.path), ["1-3"], "the unit as it came back")
        XCTAssertEqual(results.first?.reply, "message 1 of 2: status passed; message 2 of 2: status passed")
        XCTAssertNil(try USBEnumerator.devices().first { $0.identity == USBIdentity("19d2:1225") }, "the CD-ROM identity is gone")
    }

    func testAUnitThatLeavesBeforeItsLastStatusStillSwitches() throws {
        let eject = try standardEject()
        let (testbed, start) = try storageUnit(serving: [(eject[0], passed(eject[0])), (eject[1], nil)])
        let results = try switchToModem(testbed, from: start)
        XCTAssertEqual(results.map(\.identity), ["19d2:1405"])
        let reply = try XCTUnwrap(results.first?.reply)
        XCTAssertTrue(reply.hasPrefix("message 1 of 2: status passed; message 2 of 2: no status ("), reply)
    }

    func testAUnitExpectingAnotherMessageEndsInAnErrorNamingTheMessage() throws {
        // A unit recorded taking only the ZTE message of usb-modeswitch-data's 19d2:2000 entry.
        let other = try bytes(try modeswitchFacts()["19d2:2000 message"])
        let (testbed, start) = try storageUnit(serving: [(other, passed(other))])
        XCTAssertThrowsError(try switchToModem(testbed, from: start)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("usb 1-1 if0 did not take usb_modeswitch message 1 of 2 (31 bytes: 5553424387654321"), text)
            XCTAssertTrue(text.contains("bulk OUT on usb 1-1 if0"), "the transport's own error: \(text)")
            XCTAssertTrue(text.contains("check the profile's message and standardEject"), text)
        }
        XCTAssertNotNil(try USBEnumerator.devices().first { $0.identity == USBIdentity("19d2:1225") }, "the unit stays a CD-ROM")
    }

    func testTheEjectTakenWithoutReEnumerationIsAFailure() throws {
        let eject = try standardEject()
        let (testbed, start) = try storageUnit(serving: eject.map { ($0, passed($0)) })
        XCTAssertThrowsError(try switchToModem(testbed, from: start, comesBack: false, timeoutSeconds: 1)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("did not come back as 19d2:1405"), text)
            XCTAssertTrue(text.contains("(it answered: message 1 of 2: status passed; message 2 of 2: status passed)"), text)
            XCTAssertTrue(text.contains("seen: 1-1 19d2:1225"), text)
        }
    }

    func testUnreachableModesNameWhatCanBeReached() throws {
        XCTAssertThrowsError(try ModeSwitchPlan(profile: try mf823(), from: .download, to: .modem)) { error in
            XCTAssertEqual("\(error)", "profile mf823 has no mode switches from download to modem; from download it reaches: download")
        }
    }
}
