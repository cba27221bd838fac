/// A byte pipe to a device: USB bulk endpoints, a tty, an in-memory peer or a replayed capture.
///
/// The contract every implementation keeps:
/// - `read` blocks until at least one byte is available or the deadline passes. It returns
///   between 1 and `maxLength` bytes; it never returns an empty array. When the deadline
///   passes with nothing read it throws ``TransportError/timedOut(operation:waitedMilliseconds:transferred:)``
///   with `transferred == 0`. Bytes that arrived beyond `maxLength` stay buffered for the next read.
/// - `write` blocks until every byte has been handed to the device or the deadline passes.
///   On timeout it throws `timedOut` with `transferred` set to the bytes already accepted, so
///   the caller knows exactly how much reached the device.
/// - `sendZeroLengthPacket` ends a USB transfer whose length is a multiple of the packet size;
///   on transports without packets it does nothing.
/// - Errors that can come out: ``TransportError`` only. `deviceVanished` means the device left
///   (unplugged, re-enumerated, peer closed); every later call throws `closed` or `deviceVanished`.
/// - `close` is idempotent and releases the device (interface, file descriptor) for other programs.
///
/// Transports are not thread-safe: one protocol session owns a transport at a time.
public protocol Transport: AnyObject {
    /// A short human name: `usb 1-1.4 if0`, `tty /dev/ttyUSB2`.
    var name: String { get }

    /// The size of one packet on the wire (USB max packet size; 1 for a tty).
    var packetSize: Int { get }

    /// Reads 1 to `maxLength` bytes; see the contract above.
    func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8]

    /// Writes all of `bytes`; see the contract above.
    func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError)

    /// Sends a zero-length packet where the transport has packets.
    func sendZeroLengthPacket(deadline: Deadline) throws(TransportError)

    /// Releases the device. Safe to call more than once.
    func close()
}

extension Transport {
    /// Reads exactly `count` bytes, or throws `timedOut` carrying how many arrived.
    public func read(exactly count: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            do {
                bytes += try read(maxLength: count - bytes.count, deadline: deadline)
            } catch .timedOut(let operation, let waited, _) {
                throw .timedOut(operation: operation, waitedMilliseconds: waited, transferred: bytes.count)
            }
        }
        return bytes
    }

    /// Sends nothing on transports without packets; override where packets exist.
    public func sendZeroLengthPacket(deadline: Deadline) throws(TransportError) {}
}
