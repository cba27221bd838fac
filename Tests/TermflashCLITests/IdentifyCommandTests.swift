import Foundation
import TestSupport
import XCTest

/// `termflash identify` against `termflash simulate diag --pty`: DIAG version answers through
/// the DIAG codec and ATI on the AT port, both over the real serial transport.
final class IdentifyCommandTests: CLITestCase {
    private var simulator: AnnouncingSimulator?

    override func tearDown() {
        simulator?.stop()
    }

    /// Starts the simulated modem and returns the ports it announced (`diag`, `at`).
    private func startSimulator() throws -> [String: String] {
        let started = try AnnouncingSimulator(termflash, ["simulate", "diag", "--pty"], folder: workingDirectory, expecting: ["diag", "at"])
        simulator = started
        return started.ports
    }

    func testDIAGBuildIDAndATIRevisionIdentifyTheVariant() throws {
        let profiles = workingDirectory + "/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try """
        schemaVersion: 1
        id: test-modem
        vendor: ZTE
        model: MF823
        kind: modem
        protocolFamily: qualcomm-hdlc
        variants:
          - { id: ru, carrier: Test, region: RU, firmwarePattern: "BD_RUSMF823V[0-9.]+B[0-9]+", hardwareRevision: A }
          - { id: au, carrier: Test, region: AU, firmwarePattern: "BD_TELSTRAMF823V[0-9.]+B[0-9]+", hardwareRevision: A }
        """.write(toFile: profiles + "/m.yaml", atomically: true, encoding: .utf8)
        let ports = try startSimulator()
        let diag = try XCTUnwrap(ports["diag"]), at = try XCTUnwrap(ports["at"])
        let result = try run(on: nil, ["identify", "--profiles", profiles, "--profile", "test-modem", "--diag-port", diag, "--port", at, "--json"])
        let report = try XCTUnwrap(try json(result) as? [String: Any])
        XCTAssertEqual((report["variant"] as? [String: Any])?["id"] as? String, "ru")
        XCTAssertEqual(report["firmwareVersion"] as? String, "BD_RUSMF823V1.0.0B05")
        let sources = (report["matches"] as? [[String: Any]])?.compactMap { ($0["evidence"] as? [String: Any])?["source"] as? String }
        XCTAssertEqual(sources, ["DIAG 0x7C build id", "ATI"])
    }
}
