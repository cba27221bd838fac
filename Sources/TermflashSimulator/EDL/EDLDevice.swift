import Foundation
import TermflashCore
import TermflashCrypto
import TermflashProtocols

/// The device side of emergency download: a boot ROM speaking Sahara that pulls a programmer,
/// then a Firehose programmer over an ``EDLStorage``. Runs over any transport: an in-process
/// pair, a pty master, a USB gadget. Behaviour and faults come from ``EDLDeviceBehaviour``.
public final class EDLDevice: @unchecked Sendable {
    /// What the device saw, for tests and the `simulate` log.
    public struct Record: Sendable {
        /// Programmer bytes received, by image id (only the ranges asked for are filled in).
        public var programmer: [UInt32: [UInt8]] = [:]
        /// Ranges requested, as (image, offset, length).
        public var requests: [(UInt32, UInt64, UInt64)] = []
        /// Firehose command names in order.
        public var commands: [String] = []
        /// Raw program bytes received.
        public var programBytes: UInt64 = 0
        /// `setbootablestoragedrive` value.
        public var bootableDrive: Int?
        /// Last `power` value (kept across reboots).
        public var power: String?
        /// Sahara command-mode client commands run.
        public var clientCommands: [UInt32] = []
        /// Why the device stopped, when it did not stop on `power`.
        public var stopReason: String?
    }

    public let storage: EDLStorage
    public var behaviour: EDLDeviceBehaviour
    let transport: Transport
    var saharaDecoder = SaharaDecoder()
    var splitter = FirehoseStreamSplitter()
    var configured = false
    var authenticated = false
    var commandCount = 0
    private let lock = NSLock()
    private var state = Record()
    /// Called with a one-line description of each step (the `simulate` command prints them).
    public var onEvent: (@Sendable (String) -> Void)?

    /// A device on `transport` over `storage`.
    public init(storage: EDLStorage, transport: Transport, behaviour: EDLDeviceBehaviour = EDLDeviceBehaviour()) {
        self.storage = storage
        self.transport = transport
        self.behaviour = behaviour
    }

    /// A copy of what the device saw so far.
    public var record: Record {
        lock.lock()
        defer { lock.unlock() }
        return state
    }

    func update(_ change: (inout Record) -> Void) {
        lock.lock()
        change(&state)
        lock.unlock()
    }

    func event(_ text: String) { onEvent?(text) }

    /// Runs until `power off`, a fault that vanishes, or the host goes away. With `rebootOnReset`
    /// a `power reset` starts over at Sahara (as a unit left in EDL does); otherwise it ends the run.
    public func run(rebootOnReset: Bool = false) {
        while true {
            let stop = runSession()
            guard rebootOnReset, stop == "power reset" else { return }
        }
    }

    /// One boot: Sahara, then the programmer until `power`, a fault or the host leaving.
    /// Returns why it stopped (`power reset`, `power off`, or the error).
    @discardableResult
    public func runSession() -> String {
        saharaDecoder = SaharaDecoder()
        splitter = FirehoseStreamSplitter()
        configured = false
        authenticated = false
        commandCount = 0
        do {
            try runSahara()
            try runFirehose()
            let reason = "power \(record.power ?? "?")"
            update { $0.stopReason = reason }
            event("stopped: \(reason)")
            return reason
        } catch {
            update { $0.stopReason = String(describing: error) }
            event("stopped: \(error)")
            return String(describing: error)
        }
    }

    /// Starts ``run(rebootOnReset:)`` on a thread; the returned group is left when it ends.
    @discardableResult
    public func start(rebootOnReset: Bool = false) -> DispatchGroup {
        let group = DispatchGroup()
        group.enter()
        let thread = Thread { [self] in
            run(rebootOnReset: rebootOnReset)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
        return group
    }

    /// Closes the device's end (the host sees the device vanish).
    public func disconnect() { transport.close() }
}

/// The device stopped on purpose (a fault) or because the host left.
enum EDLDeviceStop: Error, CustomStringConvertible {
    case vanished(afterBytes: UInt64)
    case hostLeft(afterBytes: UInt64)

    var description: String {
        switch self {
        case let .vanished(bytes): return "disconnected after \(bytes) program bytes (fault injection)"
        case let .hostLeft(bytes): return "the host left (\(bytes) program bytes received in all)"
        }
    }
}
