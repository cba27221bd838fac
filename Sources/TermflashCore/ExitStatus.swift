/// The process exit codes termflash documents in its README, one per kind of failure.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case noUSBSubsystem = 69
    case permissionDenied = 77
    case deviceBusy = 75
    case deviceVanished = 71
    case noDeviceMatched = 72
    case timedOut = 73
    case invalidProfile = 65
    case ioError = 74
    case protocolError = 76
    case updateFailed = 70
    case refused = 78

    /// One line for the README table and `--help`.
    public var meaning: String {
        switch self {
        case .success: return "success"
        case .failure: return "any other failure"
        case .usage: return "bad command line (unknown option, missing argument)"
        case .noUSBSubsystem: return "this machine has no USB subsystem (no usbfs, as on CI machines and containers)"
        case .permissionDenied: return "permission denied on a device node: install the udev rule"
        case .deviceBusy: return "interface or port held by a kernel driver or another program"
        case .deviceVanished: return "the device disappeared during the operation"
        case .noDeviceMatched: return "no device matched the selection (the message lists what was seen)"
        case .timedOut: return "the device did not answer or appear in time"
        case .invalidProfile: return "a device profile or data file is invalid (file and field are named)"
        case .ioError: return "an input/output error talking to the device"
        case .updateFailed: return "an update stopped part-way: the report says what the device holds and how to resume or roll back"
        case .protocolError: return "the device (or a replayed capture) answered something the protocol does not allow"
        case .refused: return "a package or image was refused before anything was written (signature, hash, target, version or size; the message names the field)"
        }
    }
}

/// An error a user can act on: it knows its exit code and what to try next.
public protocol ActionableError: Error, CustomStringConvertible {
    /// The exit code the CLI ends with.
    var exitStatus: ExitStatus { get }
    /// What to do next, or `nil` when the description says it all.
    var advice: String? { get }
}

extension TransportError: ActionableError {
    public var exitStatus: ExitStatus {
        switch self {
        case .timedOut: return .timedOut
        case .deviceVanished, .closed: return .deviceVanished
        case .permissionDenied: return .permissionDenied
        case .busy: return .deviceBusy
        case .stalled, .overflow, .io: return .ioError
        case .replayDiverged: return .protocolError
        }
    }

    public var advice: String? {
        switch self {
        case .permissionDenied:
            return "install the udev rule with 'sudo make install-udev' (udev/70-termflash.rules), then re-plug the device"
        case .busy(_, let holder?) where holder.contains("ModemManager"):
            return "stop ModemManager ('sudo systemctl stop ModemManager') or install the udev rule, which tells it to ignore download-mode devices"
        case .busy(_, let holder?):
            return "unbind the driver: 'echo -n <interface> | sudo tee /sys/bus/usb/drivers/\(holder)/unbind', or close the program that holds the port"
        case .deviceVanished:
            return "re-plug the device and run 'termflash wait' for it; if a write was under way, the device state is reported above"
        case .replayDiverged:
            return "the program no longer sends what the capture recorded: compare with 'termflash capture show' at that record"
        case .timedOut:
            return "check the cable and that the device is in the expected mode ('termflash list')"
        default:
            return nil
        }
    }
}
