import Foundation

/// Paths of files the tests ship and of the repository they run in.
public enum Fixtures {
    /// The repository's top folder.
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A file under `Captures/` (device descriptions, usbmon and tty recordings).
    public static func path(_ relative: String) -> String {
        "\(repositoryRoot)/Captures/\(relative)"
    }

    /// The bytes of a file under `Tests/Fixtures/` (partition tables, small images).
    public static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/Tests/Fixtures/\(relative)")))
    }

    /// A fresh temporary folder under `$TMPDIR` for one test.
    public static func temporaryDirectory(_ label: String = #function) throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory()
        let name = label.filter { $0.isLetter || $0.isNumber }
        let path = "\(base)/termflash-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
