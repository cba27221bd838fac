import TermflashCore

/// Failures of discovery and device selection, each with the next step for the user.
public enum HardwareError: ActionableError, Equatable {
    /// libusb found no usbfs: containers and CI machines have no USB bus.
    case noUSBSubsystem(detail: String)
    /// No device satisfied the selection; `seen` lists what was on the bus.
    case noDeviceMatched(selection: String, seen: [String])
    /// Several devices satisfied the selection.
    case ambiguousSelection(selection: String, candidates: [String])
    /// The device has no interface with the number asked for, or it lacks bulk endpoints.
    case noSuchInterface(device: String, interface: UInt8, available: [UInt8])
    /// udev could not be used.
    case udevUnavailable(call: String)
    /// A libusb call failed outside a transfer.
    case libusb(call: String, code: Int32, name: String)
    /// Waiting for a device ran out of time.
    case waitTimedOut(what: String, seconds: Double, seen: [String])
    /// A tty could not be configured.
    case serialSetup(node: String, call: String, errno: Int32, message: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .noUSBSubsystem: return .noUSBSubsystem
        case .noDeviceMatched, .ambiguousSelection, .noSuchInterface: return .noDeviceMatched
        case .waitTimedOut: return .timedOut
        case .udevUnavailable, .libusb, .serialSetup: return .ioError
        }
    }

    public var description: String {
        switch self {
        case let .noUSBSubsystem(detail):
            return "no USB subsystem on this machine (\(detail))"
        case let .noDeviceMatched(selection, seen):
            return "no device matched \(selection); seen: " + (seen.isEmpty ? "nothing" : seen.joined(separator: "; "))
        case let .ambiguousSelection(selection, candidates):
            return "\(candidates.count) devices match \(selection): " + candidates.joined(separator: "; ")
        case let .noSuchInterface(device, interface, available):
            return "\(device) has no bulk interface \(interface); interfaces with bulk endpoints: "
                + (available.isEmpty ? "none" : available.map(String.init).joined(separator: ", "))
        case let .udevUnavailable(call):
            return "udev is not available (\(call) failed)"
        case let .libusb(call, code, name):
            return "\(call) failed: \(name) (\(code))"
        case let .waitTimedOut(what, seconds, seen):
            return "no \(what) appeared within \(formatSeconds(seconds)) s; seen: "
                + (seen.isEmpty ? "nothing" : seen.joined(separator: "; "))
        case let .serialSetup(node, call, errno, message):
            return "\(node): \(call) failed (errno \(errno)): \(message)"
        }
    }

    public var advice: String? {
        switch self {
        case .noUSBSubsystem:
            return "run termflash on a machine with USB (a VM needs USB passthrough), or use a serial port with --port, or a simulator"
        case .noDeviceMatched:
            return "check the cable and 'termflash list --all'; narrow or correct --path, --serial or --port"
        case .ambiguousSelection:
            return "pick one with --path or --serial"
        case .waitTimedOut:
            return "make sure the mode switch was sent, then run 'termflash list --all' to see what the device became"
        default:
            return nil
        }
    }
}

private func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
}
