import TermflashCore

/// Wraps a transport and records everything that crosses it: as a umockdev script, or as
/// usbmon records for transports that stand in for a USB device (simulators on an
/// in-memory pipe). The USB transport records itself at the transfer level instead
/// (`USBTransport.observer`), so its captures match what libusb submitted.
public final class RecordingTransport: Transport {
    /// Where the records go.
    public enum Sink {
        case script(ScriptCaptureWriter)
        case usb(PcapngCaptureWriter, bus: UInt8, device: UInt8, inEndpoint: UInt8, outEndpoint: UInt8)
    }

    private let inner: Transport
    private let sink: Sink

    /// Records the traffic of `inner` into `sink`.
    public init(wrapping inner: Transport, into sink: Sink) {
        self.inner = inner
        self.sink = sink
    }

    public var name: String { inner.name }
    public var packetSize: Int { inner.packetSize }

    public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        let submitted = wallClockMicroseconds()
        let bytes = try inner.read(maxLength: maxLength, deadline: deadline)
        let requested = (maxLength + packetSize - 1) / max(packetSize, 1) * max(packetSize, 1)
        record(.deviceToHost, bytes, requested: requested, submitted: submitted)
        return bytes
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        let submitted = wallClockMicroseconds()
        try inner.write(bytes, deadline: deadline)
        record(.hostToDevice, bytes, requested: bytes.count, submitted: submitted)
    }

    public func sendZeroLengthPacket(deadline: Deadline) throws(TransportError) {
        let submitted = wallClockMicroseconds()
        try inner.sendZeroLengthPacket(deadline: deadline)
        if case .usb = sink { record(.hostToDevice, [], requested: 0, submitted: submitted) }
    }

    public func close() {
        inner.close()
        switch sink {
        case let .script(writer): writer.close()
        case let .usb(writer, _, _, _, _): writer.close()
        }
    }

    private func record(_ direction: DeviceDialogue.Direction, _ bytes: [UInt8], requested: Int, submitted: UInt64) {
        switch sink {
        case let .script(writer):
            writer.record(direction, bytes)
        case let .usb(writer, bus, device, inEndpoint, outEndpoint):
            writer.transferCompleted(USBTransferRecord(
                bus: bus, device: device, endpoint: direction == .deviceToHost ? inEndpoint : outEndpoint,
                requestedLength: requested, data: bytes, transferred: bytes.count, status: 0,
                submittedMicroseconds: submitted, completedMicroseconds: wallClockMicroseconds()))
        }
    }
}
