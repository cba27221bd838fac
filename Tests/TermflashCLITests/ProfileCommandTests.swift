import Foundation
import TestSupport
import XCTest

/// `termflash profile validate` end to end.
final class ProfileCommandTests: CLITestCase {
    func testShippedProfilesValidate() throws {
        let result = try run(on: nil, ["profile", "validate"])
        XCTAssertEqual(result.status, 0, result.standardOutput + result.standardError)
        XCTAssertTrue(result.standardOutput.hasPrefix("ok: "), result.standardOutput)
    }

    func testATypoIsReportedWithFileLineAndFieldAndItsExitCode() throws {
        let folder = try Fixtures.temporaryDirectory()
        let file = "\(folder)/typo.yaml"
        let shipped = try String(contentsOfFile: Fixtures.repositoryRoot + "/DeviceProfiles/qualcomm/edl-9008.yaml", encoding: .utf8)
        try shipped.replacingOccurrences(of: "protocolFamily:", with: "protocolFamly:")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try run(on: nil, ["profile", "validate", file])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.standardOutput.contains(file), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("protocolFamly"), result.standardOutput)
        XCTAssertTrue(result.standardOutput.contains("protocolFamily"), "suggests the right key: \(result.standardOutput)")
    }
}
