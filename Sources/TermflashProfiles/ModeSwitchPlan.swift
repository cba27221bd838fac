import TermflashCore

/// The mode switches that take a device from its current mode to a target mode, found by a
/// breadth-first walk over its profile's `modeSwitches`.
public struct ModeSwitchPlan: Sendable, Equatable {
    public var profileID: String
    public var from: DeviceMode
    public var to: DeviceMode
    /// The switches, in order; empty when the device is already there.
    public var steps: [ModeSwitch]

    /// The shortest path, or a throw naming the modes the profile can reach.
    public init(profile: DeviceProfile, from: DeviceMode, to: DeviceMode) throws(ModeSwitchPlanError) {
        profileID = profile.id
        self.from = from
        self.to = to
        var paths: [DeviceMode: [ModeSwitch]] = [from: []]
        var queue = [from]
        while !queue.isEmpty {
            let mode = queue.removeFirst()
            for step in profile.modeSwitches(from: mode) where paths[step.to] == nil {
                paths[step.to] = paths[mode]! + [step]
                queue.append(step.to)
            }
        }
        guard let path = paths[to] else {
            throw .unreachable(profile: profile.id, from: from, to: to, reachable: paths.keys.map(\.rawValue).sorted())
        }
        steps = path
    }

    /// One line per step, as `mode --dry-run` prints them.
    public var descriptions: [String] {
        steps.map(Self.describe)
    }

    /// What one switch sends, on which interface, and the identity it waits for.
    public static func describe(_ step: ModeSwitch) -> String {
        let role = step.effectiveInterfaceRole.map { "the \($0.rawValue) interface" } ?? "the device"
        let trigger: String
        switch step.method {
        case .usbModeswitch:
            let messages = step.bulkMessages.map { $0.map(byteHex).joined() }
            trigger = "usb_modeswitch message(s) on the bulk OUT endpoint of \(role): " + messages.joined(separator: ", ")
        case .atCommand:
            trigger = "AT command \(step.command ?? "?") on the AT port (\(role)); the reply is shown, not trusted"
        case .diagCommand:
            trigger = "DIAG command 0x" + byteHex(step.opcode ?? 0x3A) + " (HDLC-framed) on the DIAG port (\(role))"
        }
        return "\(step.from.rawValue) -> \(step.to.rawValue): \(trigger); then wait for the device to re-enumerate as \(step.expect)"
    }
}

/// No chain of switches reaches the target.
public enum ModeSwitchPlanError: Error, Equatable, CustomStringConvertible {
    case unreachable(profile: String, from: DeviceMode, to: DeviceMode, reachable: [String])

    public var description: String {
        switch self {
        case let .unreachable(profile, from, to, reachable):
            return "profile \(profile) has no mode switches from \(from.rawValue) to \(to.rawValue); from \(from.rawValue) it reaches: "
                + reachable.joined(separator: ", ")
        }
    }
}
