/// What `termflash package inspect` shows about an input.
public struct InputSummary: Encodable, Sendable {
    /// One image of the input.
    public struct Image: Encodable, Sendable {
        public let partition: String?
        public let file: String
        public let size: UInt64?
        public let sha256: String?
        public let detail: String?
    }

    public let path: String
    public let format: String
    public let signature: String
    public let fields: [String: String]
    public let images: [Image]

    /// The summary of a recognised input.
    public init(path: String, input: FirmwareInput) {
        self.path = path
        format = input.formatName
        switch input {
        case let .package(package):
            let manifest = package.manifest
            signature = package.signature.description
            var fields = ["id": manifest.id, "version": manifest.version, "antiRollbackIndex": "\(manifest.antiRollbackIndex)",
                          "profiles": manifest.profiles.joined(separator: ", ")]
            fields["hardwareRevisions"] = manifest.hardwareRevisions.isEmpty ? "any" : manifest.hardwareRevisions.joined(separator: ", ")
            if !manifest.variants.isEmpty { fields["variants"] = manifest.variants.joined(separator: ", ") }
            if let firmware = manifest.firmwareVersion { fields["firmwareVersion"] = firmware }
            if let backend = manifest.protocolHints?.backend { fields["hint.backend"] = backend }
            if let memory = manifest.protocolHints?.memory { fields["hint.memory"] = memory }
            self.fields = fields
            images = manifest.images.map {
                Image(partition: $0.partition, file: $0.file, size: $0.size, sha256: $0.sha256,
                      detail: $0.deltaBase.map { "delta on \($0.size) bytes with sha256 \($0.sha256)" })
            }
        case let .openWrt(image):
            signature = image.hasUsignSignature ? "OpenWrt usign chunk (not checked; unsigned for termflash)" : "none (unsigned)"
            var fields = image.metadata
            if !image.supportedDevices.isEmpty { fields["supported_devices"] = image.supportedDevices.joined(separator: ", ") }
            if let name = image.bodyName { fields["body name"] = name }
            self.fields = fields
            images = [Image(partition: nil, file: image.path, size: image.bodyLength, sha256: nil,
                            detail: "\(image.body.rawValue) body, checksums verified")]
        case let .rawprogram(set):
            signature = "none (unsigned)"
            fields = ["xml": set.xmlFiles.joined(separator: ", ")]
            images = set.entries.filter { !$0.filename.isEmpty }.map {
                Image(partition: $0.label, file: $0.filename, size: $0.fileSize, sha256: nil,
                      detail: "LUN \($0.lun)" + ($0.reservedBytes > 0 ? ", \($0.reservedBytes) bytes reserved" : ""))
            }
        case let .raw(path, size):
            signature = "none (unsigned)"
            fields = [:]
            images = [Image(partition: nil, file: path, size: size, sha256: nil, detail: nil)]
        }
    }

    /// Lines for people.
    public var text: String {
        var lines = ["\(path): \(format)", "  signature: \(signature)"]
        for key in fields.keys.sorted() { lines.append("  \(key): \(fields[key] ?? "")") }
        lines.append("  images:")
        for image in images {
            var line = "    \(image.partition ?? "-") <- \(image.file)"
            if let size = image.size { line += " \(size) bytes" }
            if let sha = image.sha256 { line += " sha256 \(sha)" }
            if let detail = image.detail { line += " (\(detail))" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
