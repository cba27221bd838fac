import Foundation
import TestSupport
import XCTest

/// `termflash identify` against `termflash simulate diag --pty`: DIAG version answers through
/// the DIAG codec and ATI on the AT port, both over the real serial transport.
final class IdentifyCommandTests: CLITestCase {
    private var simulator: Process?

    override func tearDown() {
        simulator?.stopForTest()
    }

    /// Starts the simulated modem and returns the ports it announced (`diag`, `at`).
    private func startSimulator() throws -> [String: String] {
        let process = Process(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: termflash)
        process.arguments = ["simulate", "diag", "--pty"]
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        var environment = ProcessInfo.processInfo.environment
        for key in ["LD_PRELOAD", "UMOCKDEV_DIR"] { environment.removeValue(forKey: key) }
        process.environment = environment
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        simulator = process
        var ports: [String: String] = [:]
        var text = ""
        while ports.count < 2 {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { break }
            text += String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2 { ports[String(parts[0])] = String(parts[1]) }
            }
        }
        return ports
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
