import Foundation
import XCTest

/// A test case with a fresh temporary folder for profile files.
class ProfileTestCase: XCTestCase {
    private(set) var directory = ""

    /// The repository's `DeviceProfiles` folder.
    static let repositoryProfiles = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DeviceProfiles").path

    /// A small valid profile to derive broken ones from.
    static let minimalProfile = """
        schemaVersion: 1
        id: sample
        vendor: ZTE
        model: SAMPLE
        kind: modem
        protocolFamily: qualcomm-hdlc
        identities:
          - usb: "19d2:1225"
            mode: storage
          - usb: "19d2:0016"
            mode: diag
        """

    override func setUpWithError() throws {
        try super.setUpWithError()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("termflash-profiles-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
        try super.tearDownWithError()
    }

    /// Writes `text` to `relativePath` inside the temporary folder and returns the full path.
    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
