import TermflashCore
import TermflashProfiles
import TermflashProtocols

/// The device access a mode switch needs, given by whoever knows the hardware (the CLI wires
/// libusb, termios and hotplug; tests wire the same under umockdev).
public struct ModeSwitchEnvironment {
    /// Writes the messages on the bulk endpoints of `interface` (``ModeSwitchBulkMessages``);
    /// returns what the unit answered.
    public var sendBulk: (_ device: USBDeviceInfo, _ interface: UInt8, _ messages: [[UInt8]]) throws -> String?
    /// Opens a serial port (an AT or DIAG tty).
    public var openSerial: (_ node: String) throws -> Transport
    /// Waits until a device with `identity` is present and returns it; throws on timeout.
    public var waitFor: (_ identity: USBIdentity, _ seconds: Double) throws -> USBDeviceInfo

    /// An environment.
    public init(sendBulk: @escaping (USBDeviceInfo, UInt8, [[UInt8]]) throws -> String?, openSerial: @escaping (String) throws -> Transport,
                waitFor: @escaping (USBIdentity, Double) throws -> USBDeviceInfo) {
        self.sendBulk = sendBulk
        self.openSerial = openSerial
        self.waitFor = waitFor
    }
}

/// Walks a ``ModeSwitchPlan``: sends each trigger, then waits for the device to come back
/// with the identity the profile expects. A reply (AT answer, DIAG echo) is reported but
/// never taken as proof: replies differ between firmware versions, identities do not.
public struct ModeSwitchRunner {
    /// What happened at one step.
    public struct StepResult: Sendable, Equatable, Encodable {
        public var from: String
        public var to: String
        /// What the device answered, when it answered.
        public var reply: String?
        /// The identity and bus path it came back with.
        public var identity: String
        public var path: String
    }

    public let plan: ModeSwitchPlan
    public let environment: ModeSwitchEnvironment
    /// Seconds to wait for each re-enumeration.
    public var timeoutSeconds: Double = 30
    /// Per-role serial ports given by the user (`--at-port`, `--diag-port`), used before the profile's.
    public var ports: [InterfaceRole: String] = [:]
    /// Called with each step's description before it runs.
    public var onStep: ((String) -> Void)?

    /// A runner.
    public init(plan: ModeSwitchPlan, environment: ModeSwitchEnvironment) {
        self.plan = plan
        self.environment = environment
    }

    /// Runs every step from `device`; returns what each did, the last holding the device's final identity.
    public func run(from device: USBDeviceInfo, roles: (USBIdentity) -> [Int: InterfaceRole]) throws -> [StepResult] {
        var current = device
        var results: [StepResult] = []
        for step in plan.steps {
            onStep?(ModeSwitchPlan.describe(step))
            let reply = try trigger(step, on: current, roles: roles(current.identity))
            do {
                current = try environment.waitFor(step.expect, timeoutSeconds)
            } catch {
                throw ModeSwitchError.didNotReEnumerate(step: ModeSwitchPlan.describe(step), expected: step.expect, reply: reply, cause: "\(error)")
            }
            results.append(StepResult(from: step.from.rawValue, to: step.to.rawValue, reply: reply,
                                      identity: current.identity.description, path: current.path))
        }
        return results
    }

    private func trigger(_ step: ModeSwitch, on device: USBDeviceInfo, roles: [Int: InterfaceRole]) throws -> String? {
        switch step.method {
        case .usbModeswitch:
            let number = try interface(for: step, on: device, roles: roles)
            return try environment.sendBulk(device, number, step.bulkMessages)
        case .atCommand:
            let transport = try environment.openSerial(try port(for: step, on: device, roles: roles))
            defer { transport.close() }
            let response = try ATSession(transport: transport, timeoutSeconds: 5).run(step.command ?? "AT")
            return (response.lines + [response.final]).joined(separator: " | ")
        case .diagCommand:
            let transport = try environment.openSerial(try port(for: step, on: device, roles: roles))
            defer { transport.close() }
            let session = DIAGSession(transport: transport)
            if (step.opcode ?? DIAGRequest.Code.download) == DIAGRequest.Code.download {
                try session.switchToDownload()
            } else {
                try session.link.send([step.opcode ?? 0], what: "DIAG 0x" + byteHex(step.opcode ?? 0))
            }
            return nil
        }
    }

    /// The interface of the step's role: from the profile, else (storage) the mass-storage class.
    private func interface(for step: ModeSwitch, on device: USBDeviceInfo, roles: [Int: InterfaceRole]) throws -> UInt8 {
        let role = step.effectiveInterfaceRole ?? .storage
        if let number = roles.first(where: { $0.value == role })?.key { return UInt8(number) }
        if role == .storage, let storage = device.interfaces.first(where: { $0.interfaceClass == 0x08 }) { return storage.number }
        throw ModeSwitchError.noInterface(role: role.rawValue, device: device.identity.description)
    }

    /// The tty of the step's role: `ports`, else the profile's interface's tty.
    private func port(for step: ModeSwitch, on device: USBDeviceInfo, roles: [Int: InterfaceRole]) throws -> String {
        let role = step.effectiveInterfaceRole ?? .at
        if let given = ports[role] { return given }
        let number = try interface(for: step, on: device, roles: roles)
        guard let node = device.interfaces.first(where: { $0.number == number })?.ttys.first?.node else {
            throw ModeSwitchError.noInterface(role: role.rawValue + " tty", device: device.identity.description)
        }
        return node
    }
}

/// A mode switch that did not complete.
public enum ModeSwitchError: Error, CustomStringConvertible {
    case didNotReEnumerate(step: String, expected: USBIdentity, reply: String?, cause: String)
    case noInterface(role: String, device: String)
    case bulkMessageNotTaken(message: String, bytes: [UInt8], transport: String, cause: String)

    public var description: String {
        switch self {
        case let .didNotReEnumerate(step, expected, reply, cause):
            return "the device did not come back as \(expected) after \(step)" + (reply.map { " (it answered: \($0))" } ?? "")
                + ": \(cause). A reply is not proof of a switch; check the profile's command for this firmware, or replug the device"
        case let .bulkMessageNotTaken(message, bytes, transport, cause):
            let shown = bytes.prefix(31).map(byteHex).joined() + (bytes.count > 31 ? "…" : "")
            return "\(transport) did not take usb_modeswitch \(message) (\(bytes.count) bytes: \(shown)): \(cause). "
                + "The unit expects another message or another interface: check the profile's message and standardEject "
                + "against usb_modeswitch's data for this identity"
        case let .noInterface(role, device):
            return "\(device) has no \(role) interface known to its profile; name the port (--at-port / --diag-port)"
        }
    }
}
