import Foundation

extension ProfileLibrary {
    /// The environment variable that names the profile folder.
    public static let environmentVariable = "TERMFLASH_PROFILES"

    /// Where the profiles are: `$TERMFLASH_PROFILES`, else `<exe dir>/../share/termflash/DeviceProfiles`,
    /// else the first `DeviceProfiles` next to a `Package.swift` above the executable; `nil` when none.
    public static func defaultDirectory(executablePath: String, environment: [String: String]) -> String? {
        if let path = environment[environmentVariable], !path.isEmpty {
            return path
        }
        let executableDirectory = (absolutePath(executablePath) as NSString).deletingLastPathComponent
        let installed = ((executableDirectory as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("share/termflash/DeviceProfiles")
        if isDirectory(installed) {
            return installed
        }
        return checkoutDirectory(above: executableDirectory)
    }

    /// The first `DeviceProfiles` folder beside a `Package.swift`, walking up from `start`.
    private static func checkoutDirectory(above start: String) -> String? {
        var directory = start
        while true {
            let candidate = (directory as NSString).appendingPathComponent("DeviceProfiles")
            let manifest = (directory as NSString).appendingPathComponent("Package.swift")
            if isDirectory(candidate), FileManager.default.fileExists(atPath: manifest) {
                return candidate
            }
            let parent = (directory as NSString).deletingLastPathComponent
            if parent == directory || parent.isEmpty { return nil }
            directory = parent
        }
    }

    /// An absolute path with symbolic links resolved.
    private static func absolutePath(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
            ? path
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        return ((absolute as NSString).resolvingSymlinksInPath as NSString).standardizingPath
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
