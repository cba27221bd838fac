import Foundation

extension PackageManifest {
    /// Largest `manifest.json` read.
    public static let maximumBytes: UInt64 = 256 * 1024
    /// Longest string field.
    static let maximumStringLength = 128
    /// Most entries in any list (images, profiles, revisions, variants).
    static let maximumListCount = 64
    /// Largest image.
    static let maximumImageSize: UInt64 = 1 << 40

    /// Parses and checks `manifest.json` bytes; every refusal names the field.
    public static func parse(_ bytes: [UInt8]) throws(PackageError) -> PackageManifest {
        guard UInt64(bytes.count) <= maximumBytes else {
            throw .oversized(field: "manifest.json", size: UInt64(bytes.count), limit: maximumBytes)
        }
        try checkKeys(bytes)
        let manifest: PackageManifest
        do {
            manifest = try JSONDecoder().decode(PackageManifest.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw describe(error)
        } catch {
            throw .invalidManifest(field: "(document)", reason: "not JSON (\(error.localizedDescription))")
        }
        try manifest.validate()
        return manifest
    }

    /// The manifest as stored in a package: sorted keys, indented, so it diffs well.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
    }

    /// Checks every rule a decoded manifest must follow.
    public func validate() throws(PackageError) {
        guard formatVersion == Self.currentFormatVersion else {
            throw .invalidManifest(field: "formatVersion", reason: "is \(formatVersion); this build reads \(Self.currentFormatVersion)")
        }
        try Self.checkName(id, field: "id")
        try Self.checkText(version, field: "version")
        if let firmwareVersion { try Self.checkText(firmwareVersion, field: "firmwareVersion") }
        try Self.checkList(profiles, field: "profiles", allowEmpty: false) { value, field throws(PackageError) in try Self.checkName(value, field: field) }
        try Self.checkList(hardwareRevisions, field: "hardwareRevisions") { value, field throws(PackageError) in try Self.checkText(value, field: field) }
        try Self.checkList(variants, field: "variants") { value, field throws(PackageError) in try Self.checkName(value, field: field) }
        if let backend = protocolHints?.backend { try Self.checkName(backend, field: "protocolHints.backend") }
        if let memory = protocolHints?.memory { try Self.checkName(memory, field: "protocolHints.memory") }
        guard !images.isEmpty else { throw .invalidManifest(field: "images", reason: "is empty; a package needs at least one image") }
        guard images.count <= Self.maximumListCount else {
            throw .oversized(field: "images", size: UInt64(images.count), limit: UInt64(Self.maximumListCount))
        }
        var files = Set<String>(), partitions = Set<String>()
        for (index, image) in images.enumerated() {
            try image.validate(field: "images[\(index)]")
            guard files.insert(image.file).inserted else {
                throw .invalidManifest(field: "images[\(index)].file", reason: "'\(image.file)' is listed twice")
            }
            guard partitions.insert(image.partition).inserted else {
                throw .invalidManifest(field: "images[\(index)].partition", reason: "'\(image.partition)' is written twice")
            }
        }
    }

    static func checkName(_ value: String, field: String) throws(PackageError) {
        try checkText(value, field: field)
        let allowed = value.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-:".unicodeScalars.contains($0) }
        guard allowed else {
            throw .invalidManifest(field: field, reason: "'\(value)' may hold only letters, digits, '.', '_', '-' and ':'")
        }
    }

    static func checkText(_ value: String, field: String) throws(PackageError) {
        guard !value.isEmpty else { throw .invalidManifest(field: field, reason: "is empty") }
        guard value.utf8.count <= maximumStringLength else {
            throw .oversized(field: field, size: UInt64(value.utf8.count), limit: UInt64(maximumStringLength))
        }
        guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .invalidManifest(field: field, reason: "contains a control character")
        }
    }

    static func checkList(_ values: [String], field: String, allowEmpty: Bool = true,
                          _ check: (String, String) throws(PackageError) -> Void) throws(PackageError) {
        guard allowEmpty || !values.isEmpty else { throw .invalidManifest(field: field, reason: "is empty; name at least one") }
        guard values.count <= maximumListCount else {
            throw .oversized(field: field, size: UInt64(values.count), limit: UInt64(maximumListCount))
        }
        for (index, value) in values.enumerated() { try check(value, "\(field)[\(index)]") }
        guard Set(values).count == values.count else { throw .invalidManifest(field: field, reason: "lists an entry twice") }
    }

    /// Refuses keys the format does not define, so a typo cannot silently drop a setting.
    private static func checkKeys(_ bytes: [UInt8]) throws(PackageError) {
        guard let document = try? JSONSerialization.jsonObject(with: Data(bytes)) else {
            throw .invalidManifest(field: "(document)", reason: "is not valid JSON")
        }
        guard let top = document as? [String: Any] else {
            throw .invalidManifest(field: "(document)", reason: "is not a JSON object")
        }
        try unknownKey(in: top, known: knownKeys, path: "")
        if let hints = top["protocolHints"] as? [String: Any] { try unknownKey(in: hints, known: ProtocolHints.knownKeys, path: "protocolHints.") }
        for (index, entry) in ((top["images"] as? [Any]) ?? []).enumerated() {
            guard let image = entry as? [String: Any] else { continue }
            try unknownKey(in: image, known: PackageImage.knownKeys, path: "images[\(index)].")
            if let base = image["deltaBase"] as? [String: Any] {
                try unknownKey(in: base, known: DeltaBase.knownKeys, path: "images[\(index)].deltaBase.")
            }
        }
    }

    private static func unknownKey(in object: [String: Any], known: Set<String>, path: String) throws(PackageError) {
        if let key = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidManifest(field: path + key, reason: "is not a manifest field; known here: " + known.sorted().joined(separator: ", "))
        }
    }

    private static func describe(_ error: DecodingError) -> PackageError {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case let .keyNotFound(key, context):
            let parent = path(context)
            return .invalidManifest(field: parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", reason: "is missing")
        case let .typeMismatch(type, context): return .invalidManifest(field: path(context), reason: "is not a \(type)")
        case let .valueNotFound(type, context): return .invalidManifest(field: path(context), reason: "is null, expected a \(type)")
        case let .dataCorrupted(context): return .invalidManifest(field: path(context).isEmpty ? "(document)" : path(context), reason: context.debugDescription)
        @unknown default: return .invalidManifest(field: "(document)", reason: "\(error)")
        }
    }
}

extension PackageImage {
    func validate(field: String) throws(PackageError) {
        try PackageManifest.checkText(partition, field: "\(field).partition")
        do { try MemberPath.check(file) } catch {
            throw .invalidManifest(field: "\(field).file", reason: error.description)
        }
        guard file != PackageLayout.manifestName, file != PackageLayout.signatureName else {
            throw .invalidManifest(field: "\(field).file", reason: "'\(file)' is reserved for the manifest and its signature")
        }
        guard size <= PackageManifest.maximumImageSize else {
            throw .oversized(field: "\(field).size", size: size, limit: PackageManifest.maximumImageSize)
        }
        try Self.checkDigest(sha256, field: "\(field).sha256")
        if let deltaBase { try Self.checkDigest(deltaBase.sha256, field: "\(field).deltaBase.sha256") }
    }

    static func checkDigest(_ value: String, field: String) throws(PackageError) {
        guard value.utf8.count == 64, value.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .invalidManifest(field: field, reason: "'\(value.prefix(80))' is not 64 lower-case hex digits")
        }
    }
}
