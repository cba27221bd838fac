import TermflashCore

/// Wraps a byte transport (a simulated device's pipe) and moves bytes the way termflash's
/// libusb transport does — IN transfers with buffers rounded up to the packet size, leftovers
/// kept for the next read, zero-length OUT packets — reporting each transfer as usbmon would
/// see it. Recording a simulator session through it gives a pcapng that umockdev replays
/// through the real libusb code path.
public final class USBShapedRecorder: Transport {
    private let inner: Transport
    private let observer: USBTransferObserver
    private let bus: UInt8, device: UInt8
    private var pending: [UInt8] = []
    public let packetSize: Int
    public var name: String { "usb \(bus):\(device) (recording \(inner.name))" }

    /// A recorder of `inner` as device `bus`:`device` with bulk endpoints 0x01 / 0x81.
    public init(wrapping inner: Transport, observer: USBTransferObserver, bus: UInt8, device: UInt8, packetSize: Int = 512) {
        self.inner = inner
        self.observer = observer
        self.bus = bus
        self.device = device
        self.packetSize = packetSize
    }

    public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        if pending.isEmpty {
            let buffer = (maxLength + packetSize - 1) / packetSize * packetSize
            let started = wallClockMicroseconds()
            pending = try inner.read(maxLength: buffer, deadline: deadline)
            report(endpoint: 0x81, requested: buffer, data: pending, started: started)
        }
        let chunk = Array(pending.prefix(maxLength))
        pending.removeFirst(chunk.count)
        return chunk
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        let started = wallClockMicroseconds()
        try inner.write(bytes, deadline: deadline)
        report(endpoint: 0x01, requested: bytes.count, data: bytes, started: started)
    }

    public func sendZeroLengthPacket(deadline: Deadline) throws(TransportError) {
        report(endpoint: 0x01, requested: 0, data: [], started: wallClockMicroseconds())
    }

    public func close() { inner.close() }

    private func report(endpoint: UInt8, requested: Int, data: [UInt8], started: UInt64) {
        observer.transferCompleted(USBTransferRecord(
            bus: bus, device: device, endpoint: endpoint, requestedLength: requested, data: data, transferred: data.count,
            status: 0, submittedMicroseconds: started, completedMicroseconds: wallClockMicroseconds()))
    }
}
