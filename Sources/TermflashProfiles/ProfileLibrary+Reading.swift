import Foundation

extension ProfileLibrary {
    /// Reads files and folders, returning the valid profiles and every issue, duplicate ids included.
    static func read(paths: [String]) -> (profiles: [DeviceProfile], issues: [ProfileIssue]) {
        var issues: [ProfileIssue] = []
        var results: [(file: String, result: ProfileReadResult)] = []
        for file in expand(paths, issues: &issues) {
            results.append((file, ProfileReader.read(file: file)))
        }
        issues += results.flatMap(\.result.issues)
        issues += duplicateIDIssues(results)
        return (results.compactMap(\.result.profile), issues)
    }

    /// Folders replaced by their profile files; each file once, in the order given.
    private static func expand(_ paths: [String], issues: inout [ProfileIssue]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                do {
                    files += try profileFiles(in: path)
                } catch {
                    issues.append(ProfileIssue(file: path, message: "cannot list the folder"))
                }
            } else {
                files.append(path)
            }
        }
        var seen: Set<String> = []
        return files.filter { seen.insert(($0 as NSString).standardizingPath).inserted }
    }

    private static func duplicateIDIssues(_ results: [(file: String, result: ProfileReadResult)]) -> [ProfileIssue] {
        var firstFile: [String: String] = [:]
        var issues: [ProfileIssue] = []
        for (file, result) in results {
            guard let id = result.profile?.id else { continue }
            if let first = firstFile[id] {
                issues.append(ProfileIssue(file: file, line: result.idLine, field: "id",
                                           message: "id '\(id)' is also used by \(first); ids must be unique "
                                               + "across the library, so rename one of the two"))
            } else {
                firstFile[id] = file
            }
        }
        return issues
    }
}
