/// What is known about the unit being flashed: from the device itself (`identify`), the
/// unit ledger, or the command line. Unknown facts are `nil`.
public struct UnitFacts: Sendable, Codable, Equatable {
    /// Device profile id.
    public var profile: String?
    /// Hardware revision, e.g. `MF286D-A1`.
    public var hardwareRevision: String?
    /// Region/branding variant id.
    public var variant: String?
    /// The firmware version string the device reports.
    public var firmwareVersion: String?
    /// The anti-rollback index of the firmware it runs.
    public var antiRollbackIndex: UInt32?

    /// Facts.
    public init(profile: String? = nil, hardwareRevision: String? = nil, variant: String? = nil,
                firmwareVersion: String? = nil, antiRollbackIndex: UInt32? = nil) {
        self.profile = profile
        self.hardwareRevision = hardwareRevision
        self.variant = variant
        self.firmwareVersion = firmwareVersion
        self.antiRollbackIndex = antiRollbackIndex
    }

    /// These facts with the gaps filled from `other`.
    public func filling(from other: UnitFacts) -> UnitFacts {
        UnitFacts(profile: profile ?? other.profile, hardwareRevision: hardwareRevision ?? other.hardwareRevision,
                  variant: variant ?? other.variant, firmwareVersion: firmwareVersion ?? other.firmwareVersion,
                  antiRollbackIndex: antiRollbackIndex ?? other.antiRollbackIndex)
    }
}
