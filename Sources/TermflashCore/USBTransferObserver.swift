#if canImport(Glibc)
import Glibc
#endif

/// One finished bulk transfer as the USB transport performed it: what a recorder needs to
/// write usbmon submit and completion records that replay through umockdev.
public struct USBTransferRecord: Sendable {
    /// Bus number and device address of the device.
    public var bus: UInt8, device: UInt8
    /// Endpoint address, bit 7 set for IN.
    public var endpoint: UInt8
    /// Buffer length handed to the host controller (OUT: the data length).
    public var requestedLength: Int
    /// OUT: the bytes handed over for sending; IN: the bytes received.
    public var data: [UInt8]
    /// Bytes the device actually took (OUT) or sent (IN).
    public var transferred: Int
    /// Linux URB status: 0 success, -110 timeout, -32 stall, -19 device gone, -75 overflow.
    public var status: Int32
    /// Microseconds since the epoch when the transfer was submitted and when it completed.
    public var submittedMicroseconds: UInt64, completedMicroseconds: UInt64

    /// A transfer record.
    public init(bus: UInt8, device: UInt8, endpoint: UInt8, requestedLength: Int, data: [UInt8], transferred: Int,
                status: Int32, submittedMicroseconds: UInt64, completedMicroseconds: UInt64) {
        self.bus = bus
        self.device = device
        self.endpoint = endpoint
        self.requestedLength = requestedLength
        self.data = data
        self.transferred = transferred
        self.status = status
        self.submittedMicroseconds = submittedMicroseconds
        self.completedMicroseconds = completedMicroseconds
    }
}

/// Receives every bulk transfer a USB transport performs (a capture recorder).
public protocol USBTransferObserver: AnyObject {
    /// Called after each transfer completes or fails.
    func transferCompleted(_ transfer: USBTransferRecord)
}

/// Microseconds since the Unix epoch, for capture time stamps.
public func wallClockMicroseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec / 1000)
}
