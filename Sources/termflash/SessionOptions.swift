import ArgumentParser
import TermflashCapture

/// `--record` and `--replay`: every command that talks to a device takes them.
struct SessionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Record the session: a usbmon pcapng for USB, a umockdev script for serial ports.",
                               valueName: "file"))
    var record: String?

    @Option(help: "With --record: keep 'full' payloads, or 'hash' host-to-device payloads over 1 KiB (length and SHA-256 only).")
    var recordPayloads: RecordedPayloads = .full

    @Option(help: ArgumentHelp("Talk to a recording instead of hardware (pcap, pcapng or umockdev script); every write is checked against it.",
                               valueName: "file"))
    var replay: String?

    @Option(help: ArgumentHelp("With --replay of a capture holding several devices: BUS:DEV or VID:PID.", valueName: "device"))
    var replayDevice: String?

    /// The payload policy for recorders.
    var payloadPolicy: PayloadPolicy {
        recordPayloads == .full ? .full : .hash(threshold: PayloadPolicy.defaultHashThreshold)
    }

    func validate() throws {
        if record != nil, replay != nil { throw ValidationError("--record and --replay cannot be combined") }
        if let replayDevice, CaptureDeviceFilter(replayDevice) == nil {
            throw ValidationError("--replay-device must be BUS:DEV (decimal, e.g. 1:4) or VID:PID (hex, e.g. 05c6:9008)")
        }
    }
}

/// Values of `--record-payloads`.
enum RecordedPayloads: String, ExpressibleByArgument, CaseIterable {
    case full, hash
}
