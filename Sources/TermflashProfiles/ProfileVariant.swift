import Foundation

/// A carrier or region variant of a model and the pattern its firmware file names follow.
public struct ProfileVariant: Sendable, Encodable, Equatable {
    /// Unique id within the profile, e.g. `telstra-au`.
    public var id: String
    /// The carrier or brand, e.g. `Telstra`.
    public var carrier: String?
    /// The region, e.g. `AU`.
    public var region: String?
    /// A regular expression that firmware names of this variant match.
    public var firmwarePattern: String
    /// The hardware revision the variant's units are built on; a rebrand stays within one.
    public var hardwareRevision: String?

    /// Creates a variant.
    public init(id: String, carrier: String? = nil, region: String? = nil, firmwarePattern: String,
                hardwareRevision: String? = nil) {
        self.id = id
        self.carrier = carrier
        self.region = region
        self.firmwarePattern = firmwarePattern
        self.hardwareRevision = hardwareRevision
    }

    /// Whether a firmware name matches `firmwarePattern`.
    public func matches(firmwareName: String) -> Bool {
        firmwareName.range(of: firmwarePattern, options: .regularExpression) != nil
    }

    /// The part of `text` that matches `firmwarePattern` (the version inside a reply line).
    public func firmwareVersion(in text: String) -> String? {
        text.range(of: firmwarePattern, options: .regularExpression).map { String(text[$0]) }
    }
}
