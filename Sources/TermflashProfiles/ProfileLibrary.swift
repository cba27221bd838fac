import Foundation
import TermflashCore

/// All device profiles termflash knows, loaded from a `DeviceProfiles` folder.
public struct ProfileLibrary: Sendable {
    /// The profiles, in the order of their file paths.
    public var profiles: [DeviceProfile]
    /// The folder the profiles came from, when loaded from one.
    public var directory: String?

    /// Creates a library from profiles already in memory.
    public init(profiles: [DeviceProfile], directory: String? = nil) {
        self.profiles = profiles
        self.directory = directory
    }

    /// Loads every `*.yaml`/`*.yml` below `directory`; throws `ProfileError.invalid` listing all issues.
    public static func load(directory: String) throws -> ProfileLibrary {
        let files = try profileFiles(in: directory)
        return ProfileLibrary(profiles: try load(files: files).profiles, directory: directory)
    }

    /// Loads the given profile files (folders are searched); throws `ProfileError.invalid` listing all issues.
    public static func load(files: [String]) throws -> ProfileLibrary {
        let (profiles, issues) = read(paths: files)
        guard issues.isEmpty else { throw ProfileError.invalid(issues: issues) }
        return ProfileLibrary(profiles: profiles)
    }

    /// Checks every profile below `directory`; empty when all is well.
    public static func validate(directory: String) -> [ProfileIssue] {
        validate(files: [directory])
    }

    /// Checks the given files and folders together, including ids shared between them; empty when all is well.
    public static func validate(files: [String]) -> [ProfileIssue] {
        read(paths: files).issues
    }

    /// The profile files below `directory`, sorted, as paths starting with `directory`.
    public static func profileFiles(in directory: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ProfileError.directoryNotFound(directory)
        }
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else {
            throw ProfileError.unreadable(path: directory, reason: "cannot list the folder")
        }
        let relative = enumerator.compactMap { $0 as? String }.filter(isProfileFileName)
        return relative.sorted().map { (directory as NSString).appendingPathComponent($0) }
    }

    /// The profile with this id.
    public func profile(id: String) -> DeviceProfile? {
        profiles.first { $0.id == id }
    }

    /// The profile with this id, or an error listing the known ids.
    public func requireProfile(id: String) throws -> DeviceProfile {
        guard let profile = profile(id: id) else {
            throw ProfileError.unknownProfile(id: id, known: profiles.map(\.id))
        }
        return profile
    }

    private static func isProfileFileName(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml"))
    }
}
