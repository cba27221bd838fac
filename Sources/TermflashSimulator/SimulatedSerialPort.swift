#if canImport(Glibc)
import Glibc
#endif
import TermflashCore

/// A pseudo-terminal pair for a simulated serial device: the simulator talks through
/// ``device`` (the master side) and the host opens ``path`` (the slave) with the real
/// serial transport, as it would a USB-TTL adapter.
public final class SimulatedSerialPort {
    /// The node the host opens, e.g. `/dev/pts/5`.
    public let path: String
    /// The device's end.
    public let device: MasterTransport
    private var slave: Int32

    /// Opens a pair with the slave in raw mode before anything is sent.
    public init() throws(TransportError) {
        var master: Int32 = -1
        var slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 128)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else {
            throw .io(name: "pty", call: "openpty", code: errno, message: String(cString: strerror(errno)))
        }
        var settings = termios()
        tcgetattr(slave, &settings)
        cfmakeraw(&settings)
        tcsetattr(slave, TCSANOW, &settings)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        path = String(cString: name)
        self.slave = slave
        device = MasterTransport(descriptor: master, name: "pty master of \(path)")
    }

    deinit {
        device.close()
        if slave >= 0 { Glibc.close(slave) }
    }

    /// The master side of a pty as a transport (read/write with poll deadlines).
    public final class MasterTransport: Transport {
        public let name: String
        public let packetSize = 1
        private var descriptor: Int32
        /// Reused by every read: only the bytes that arrived are copied out.
        private var scratch: [UInt8] = []

        init(descriptor: Int32, name: String) {
            self.descriptor = descriptor
            self.name = name
        }

        public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
            if scratch.count < maxLength { scratch = [UInt8](repeating: 0, count: maxLength) }
            while true {
                guard descriptor >= 0 else { throw .closed(name: name) }
                let count = scratch.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, maxLength) }
                if count > 0 { return Array(scratch[..<count]) }
                let code = errno
                // EIO: no process holds the slave open right now (the host closed it).
                guard count < 0, code == EAGAIN || code == EINTR || code == EIO else {
                    throw .deviceVanished(name: name, during: "read")
                }
                try wait(Int16(POLLIN), deadline: deadline, idleOnHangUp: code == EIO)
            }
        }

        public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
            var sent = 0
            while sent < bytes.count {
                guard descriptor >= 0 else { throw .closed(name: name) }
                let count = bytes[sent...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if count > 0 { sent += count; continue }
                let code = errno
                guard count < 0, code == EAGAIN || code == EINTR else {
                    throw .io(name: name, call: "write", code: code, message: String(cString: strerror(code)))
                }
                do {
                    try wait(Int16(POLLOUT), deadline: deadline, idleOnHangUp: false)
                } catch {
                    if case .timedOut(let operation, let waited, _) = error {
                        throw .timedOut(operation: operation, waitedMilliseconds: waited, transferred: sent)
                    }
                    throw error
                }
            }
        }

        public func close() {
            if descriptor >= 0 { Glibc.close(descriptor) }
            descriptor = -1
        }

        private func wait(_ events: Int16, deadline: Deadline, idleOnHangUp: Bool) throws(TransportError) {
            if deadline.hasPassed { throw .timedOut(operation: "data on \(name)", waitedMilliseconds: 0, transferred: 0) }
            let timeout = deadline == .never ? 1000 : Int32(min(deadline.remainingMilliseconds, 1000))
            if idleOnHangUp {
                usleep(UInt32(min(timeout, 10)) * 1000)  // poll reports POLLHUP at once until the host reopens
                return
            }
            var poller = pollfd(fd: descriptor, events: events, revents: 0)
            _ = poll(&poller, 1, timeout)
        }
    }
}
