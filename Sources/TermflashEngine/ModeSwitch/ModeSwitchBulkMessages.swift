import TermflashCore

/// The bulk side of a `usb-modeswitch` step, done the way usb_modeswitch does it: each
/// message goes to the storage interface's bulk OUT endpoint, and after a SCSI command block
/// wrapper ("USBC") the 13-byte command status wrapper ("USBS") is read back, because a
/// Bulk-Only mass-storage unit takes no next command before its status was collected.
/// A missing status ends the sending without failing the step: a unit that switches often
/// leaves the bus before it answers, and only its new identity proves the switch.
public enum ModeSwitchBulkMessages {
    /// The first four bytes of a command block wrapper.
    static let commandSignature: [UInt8] = [0x55, 0x53, 0x42, 0x43]
    /// The first four bytes of a command status wrapper.
    static let statusSignature: [UInt8] = [0x55, 0x53, 0x42, 0x53]

    /// Sends `messages` in order on `transport`; returns what the unit answered (one entry
    /// per command wrapper), to be reported, never taken as proof.
    public static func send(_ messages: [[UInt8]], over transport: Transport, timeoutSeconds: Double = 2) throws -> String? {
        var answers: [String] = []
        for (index, message) in messages.enumerated() {
            let position = "message \(index + 1) of \(messages.count)"
            do {
                try transport.write(message, deadline: .after(seconds: timeoutSeconds))
            } catch {
                throw ModeSwitchError.bulkMessageNotTaken(message: position, bytes: message, transport: transport.name, cause: "\(error)")
            }
            guard message.starts(with: commandSignature) else { continue }
            do {
                let status = try transport.read(maxLength: 13, deadline: .after(seconds: timeoutSeconds))
                answers.append("\(position): " + describeStatus(status, for: message))
            } catch {
                answers.append("\(position): no status (\(error))")
                break
            }
        }
        return answers.isEmpty ? nil : answers.joined(separator: "; ")
    }

    /// A command status wrapper in words: its status, or why it is not the one for `command`.
    static func describeStatus(_ status: [UInt8], for command: [UInt8]) -> String {
        guard status.count == 13, status.starts(with: statusSignature) else {
            return "not a command status (\(status.count) bytes: \(status.prefix(16).map(byteHex).joined()))"
        }
        guard command.count < 8 || status[4..<8] == command[4..<8] else {
            return "status for another command (tag \(status[4..<8].map(byteHex).joined()), sent \(command[4..<8].map(byteHex).joined()))"
        }
        switch status[12] {
        case 0: return "status passed"
        case 1: return "status failed"
        case 2: return "phase error"
        default: return "status 0x\(byteHex(status[12]))"
        }
    }
}
