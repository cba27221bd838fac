/// A string a unit told about itself, and where it came from: an AT reply, a U-Boot
/// variable, a DIAG version answer, or text found in a partition.
public struct BrandingEvidence: Sendable, Codable, Equatable {
    /// Where: `AT+CGMR`, `U-Boot env fw_version`, `partition web at byte 0x1c0`.
    public var source: String
    /// A variable name when the source has one (U-Boot environment).
    public var key: String?
    /// The text.
    public var text: String

    /// Evidence.
    public init(source: String, key: String? = nil, text: String) {
        self.source = source
        self.key = key
        self.text = text
    }

    /// Evidence from every variable of a U-Boot environment.
    public static func from(_ environment: UBootEnvironment, source: String) -> [BrandingEvidence] {
        environment.variables.map { BrandingEvidence(source: "\(source) \($0.name)", key: $0.name, text: $0.value) }
    }

    /// Printable ASCII runs of at least `minimum` bytes in `bytes` (what `strings` finds), with their offsets.
    public static func strings(in bytes: [UInt8], minimum: Int = 6, source: String, baseOffset: UInt64 = 0,
                               limit: Int = 4096) -> [BrandingEvidence] {
        var found: [BrandingEvidence] = []
        var start: Int?
        for index in 0...bytes.count {
            let printable = index < bytes.count && (0x20...0x7E).contains(bytes[index])
            if printable, start == nil { start = index }
            if !printable, let begin = start {
                if index - begin >= minimum, index - begin <= 256 {
                    let text = String(decoding: bytes[begin..<index], as: UTF8.self)
                    found.append(BrandingEvidence(source: "\(source) at byte 0x\(String(baseOffset + UInt64(begin), radix: 16))", text: text))
                    if found.count >= limit { return found }
                }
                start = nil
            }
        }
        return found
    }
}
