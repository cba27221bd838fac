import Dispatch
import Foundation
import TermflashCore

/// The AT port of a simulated ZTE modem: echoes commands, answers identification queries
/// and the `AT+ZCDRUN` family with the replies ZTE firmware gives (shared zte-at-commands
/// notes), and reports mode-switch commands to ``onSwitch`` so a test can re-enumerate the
/// device. Unknown commands get `ERROR`.
public final class ZTEATPort: @unchecked Sendable {
    public var model = "MF823"
    public var revision = "BD_RUSMF823V1.0.0B05"
    public var imei = "866948012345678"
    /// Whether commands are echoed (ATE1, the modem default).
    public var echo = true
    /// Called with the argument of `AT+ZCDRUN=` or `AT+ZMODE=` after the reply went out.
    public var onSwitch: ((String) -> Void)?
    /// Every command received, in order.
    public private(set) var received: [String] = []

    /// A port with MF823 answers.
    public init() {}

    /// The reply to one command line (without the echo).
    public func reply(to command: String) -> String {
        received.append(command)
        let upper = command.uppercased()
        switch upper {
        case "AT", "ATZ", "ATE0", "ATE1":
            if upper == "ATE0" { echo = false }
            if upper == "ATE1" { echo = true }
            return "\r\nOK\r\n"
        case "ATI":
            return "\r\nManufacturer: ZTE CORPORATION\r\nModel: \(model)\r\nRevision: \(revision)\r\nIMEI: \(imei)\r\n\r\nOK\r\n"
        case "AT+CGMI", "AT+GMI": return "\r\nZTE CORPORATION\r\n\r\nOK\r\n"
        case "AT+CGMM", "AT+GMM": return "\r\n\(model)\r\n\r\nOK\r\n"
        case "AT+CGMR", "AT+GMR": return "\r\n\(revision)\r\n\r\nOK\r\n"
        case "AT+CGSN", "AT+GSN": return "\r\n\(imei)\r\n\r\nOK\r\n"
        case "AT+ZCDRUN=E": return "\r\nEnter download mode result(0:FAIL 1:SUCCESS):1\r\n\r\nOK\r\n"
        case "AT+ZCDRUN=F": return "\r\nexit download mode result(0:FAIL 1:SUCCESS):1\r\n\r\nOK\r\n"
        case "AT+ZCDRUN=8": return "\r\nClose autorun state result(0:FAIL 1:SUCCESS):1\r\n\r\nOK\r\n"
        case "AT+ZCDRUN=9": return "\r\nOpen autorun state result(0:FAIL 1:SUCCESS):1\r\n\r\nOK\r\n"
        case "AT+ZCDRUN=4": return "\r\nInquiry autorun open state result(0:NO 1:YES):1\r\n\r\nOK\r\n"
        case "AT+ZMODE=1", "AT+ZMODE=F": return "\r\nOK\r\n"
        default: return "\r\nERROR\r\n"
        }
    }

    /// The mode-switch argument of a command, if it is one.
    static func switchArgument(_ command: String) -> String? {
        let upper = command.uppercased()
        for prefix in ["AT+ZCDRUN=", "AT+ZMODE="] where upper.hasPrefix(prefix) {
            let argument = String(upper.dropFirst(prefix.count))
            return ["4", "G"].contains(argument) ? nil : argument
        }
        return nil
    }

    /// Serves lines on `transport` until the host closes it; the transport stays open.
    public func serve(_ transport: Transport) {
        var pending: [UInt8] = []
        while true {
            guard let bytes = try? transport.read(maxLength: 4096, deadline: .never) else { break }
            pending += bytes
            while let end = pending.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) {
                let line = String(decoding: pending[..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                pending.removeSubrange(...end)
                guard !line.isEmpty else { continue }
                let answer = (echo ? line + "\r" : "") + reply(to: line)
                guard (try? transport.write(Array(answer.utf8), deadline: .after(seconds: 5))) != nil else { return }
                if let argument = Self.switchArgument(line) { onSwitch?(argument) }
            }
        }
    }

    /// Serves on a thread of its own; the group is left when the host closes the port.
    public func start(on transport: Transport) -> DispatchGroup {
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread { [self] in
            serve(transport)
            transport.close()
            group.leave()
        }
        return group
    }
}
