import Foundation

/// Chooses which rawprogram and patch files of a set to use. Sets ship variants side by side
/// (`rawprogram0_BLANK_GPT.xml`, `rawprogram0_WIPE_PARTITIONS.xml`, `rawprogram_unsparse0.xml`);
/// only the plain ones describe a normal flash.
struct RawProgramFileChoice {
    let baseFolder: String
    let rawPrograms: [String]
    let patches: [String]
    let skipped: [String: String]

    init(names: [String], only: [String]?, displayName: String) throws {
        if let only {
            self = try RawProgramFileChoice(explicit: only, names: names, displayName: displayName)
            return
        }
        let candidates = names.filter { Self.isRawProgram($0) }
        guard let folder = Self.shallowestFolder(of: candidates) else {
            throw RawProgramError(location: nil, problem: "\(displayName) holds no rawprogram*.xml",
                                  advice: "name the folder or zip that holds the rawprogram and patch files of the firmware")
        }
        baseFolder = folder
        var skipped: [String: String] = [:]
        let inFolder = candidates.filter { Self.folder(of: $0) == folder }
        let plainNumbers = Set(inFolder.compactMap { Self.plainNumber($0) })
        var chosen: [String] = []
        for name in inFolder {
            let base = Self.baseName(name).lowercased()
            if base.contains("blank_gpt") {
                skipped[name] = "writes an empty partition table only"
            } else if base.contains("wipe_partitions") {
                skipped[name] = "erases partitions instead of writing images"
            } else if base.contains("unsparse"), let number = Self.number(in: base), plainNumbers.contains(number) {
                skipped[name] = "rawprogram\(number).xml covers the same LUN with sparse images"
            } else {
                chosen.append(name)
            }
        }
        for name in candidates where Self.folder(of: name) != folder { skipped[name] = "not in the set's folder '\(folder)'" }
        rawPrograms = chosen.sorted(by: Self.naturalOrder)
        patches = names.filter { Self.folder(of: $0) == folder && Self.isPatch($0) }.sorted(by: Self.naturalOrder)
        self.skipped = skipped
    }

    private init(explicit: [String], names: [String], displayName: String) throws {
        var resolved: [String] = []
        for wanted in explicit {
            guard let match = names.first(where: { $0 == wanted || Self.baseName($0) == wanted }) else {
                throw RawProgramError(location: nil, problem: "\(wanted) is not in \(displayName)",
                                      advice: "name rawprogram/patch files as they appear in the folder or zip")
            }
            resolved.append(match)
        }
        baseFolder = resolved.first.map(Self.folder(of:)) ?? ""
        rawPrograms = resolved.filter { Self.isRawProgram($0) }
        patches = resolved.filter { Self.isPatch($0) }
        skipped = [:]
    }

    static func baseName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }

    static func folder(of path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.dropLast().joined(separator: "/")
    }

    private static func isRawProgram(_ path: String) -> Bool {
        let name = baseName(path).lowercased()
        return name.hasPrefix("rawprogram") && name.hasSuffix(".xml")
    }

    private static func isPatch(_ path: String) -> Bool {
        let name = baseName(path).lowercased()
        return name.hasPrefix("patch") && name.hasSuffix(".xml")
    }

    /// N of `rawprogramN.xml` exactly.
    private static func plainNumber(_ path: String) -> Int? {
        let name = baseName(path).lowercased()
        guard name.hasPrefix("rawprogram"), name.hasSuffix(".xml") else { return nil }
        return Int(name.dropFirst("rawprogram".count).dropLast(".xml".count))
    }

    private static func number(in name: String) -> Int? {
        Int(String(name.filter(\.isNumber)))
    }

    private static func shallowestFolder(of paths: [String]) -> String? {
        paths.map(folder(of:)).min { ($0.split(separator: "/").count, $0) < ($1.split(separator: "/").count, $1) }
    }

    private static func naturalOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric, .caseInsensitive]) == .orderedAscending
    }
}
