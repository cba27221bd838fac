import TermflashCore

/// An update that stopped: the report says what the device holds now and the advice how to
/// resume or roll back.
public struct UpdateFailure: ActionableError {
    /// The state it stopped in and every step's outcome.
    public let report: UpdateReport
    /// What stopped it.
    public let reason: String
    /// Whether backups exist that a rollback could write back.
    public let canRollBack: Bool

    public var exitStatus: ExitStatus { .updateFailed }

    public var description: String {
        "update \(report.plan) failed in \(report.state.rawValue): \(reason)\ndevice: \(report.deviceState)"
    }

    public var advice: String? {
        guard let journal = report.journal else {
            return "run again with --journal FILE so an interrupted update can be resumed"
        }
        var steps = ["resume with 'termflash flash --resume \(journal)'"]
        if canRollBack { steps.append("or restore the backups with 'termflash flash --rollback \(journal)'") }
        return steps.joined(separator: " ")
    }
}

/// A refusal before anything was written (CHECKING or VERIFYING).
public enum PlanError: ActionableError, Equatable {
    case imageDigestMismatch(image: String, expected: String, actual: String)
    case imageTooLarge(image: String, bytes: UInt64, region: String, regionBytes: UInt64)
    case regionOutsidePartition(step: String, partition: String)
    case unknownPartition(name: String, known: [String])
    case misaligned(step: String, offset: UInt64, granularity: Int)
    case unsupportedImageFormat(image: String, format: String)
    case imageUnreadable(image: String, reason: String)
    case readOnlyPartition(name: String, step: String)
    case check(String)

    public var exitStatus: ExitStatus { .invalidProfile }

    public var description: String {
        switch self {
        case let .imageDigestMismatch(image, expected, actual):
            return "\(image): SHA-256 is \(actual), expected \(expected); nothing was written"
        case let .imageTooLarge(image, bytes, region, regionBytes):
            return "\(image) (\(bytes) bytes) is larger than \(region) (\(regionBytes) bytes); nothing was written"
        case let .regionOutsidePartition(step, partition):
            return "\(step) lies outside partition \(partition); nothing was written"
        case let .unknownPartition(name, known):
            return "the device has no partition '\(name)'; it has: \(known.joined(separator: ", "))"
        case let .misaligned(step, offset, granularity):
            return "\(step) starts at byte \(offset), not a multiple of the device's \(granularity)-byte write unit"
        case let .unsupportedImageFormat(image, format):
            return "\(image): no reader for \(format) images in this flash path"
        case let .imageUnreadable(image, reason):
            return "\(image): \(reason)"
        case let .readOnlyPartition(name, step):
            return "partition \(name) is read-only in the device profile (calibration, boot loader or identity data); refusing: \(step)"
        case let .check(message):
            return message
        }
    }

    public var advice: String? {
        switch self {
        case .imageDigestMismatch: return "the image is damaged or not the one the plan names: fetch it again"
        case .imageTooLarge, .regionOutsidePartition, .unknownPartition:
            return "check the device profile and the partition table ('termflash partitions')"
        case let .readOnlyPartition(name, _):
            return "if you really mean to replace it, add --unlock-partition \(name); it is backed up and verified first"
        default: return nil
        }
    }
}
