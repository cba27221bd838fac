#if canImport(Glibc)
import Glibc
#endif
import TermflashCore

/// A tty in raw 8N1 mode (USB serial adapters, ttyACM modems, ptys), through termios.
/// Uses only libc's `tc*` functions for line settings, so faked ttys work too.
public final class SerialTransport: Transport {
    public let name: String
    public let packetSize = 1
    private var descriptor: Int32
    /// Reused by every read: only the bytes that arrived are copied out, instead of a fresh
    /// zero-filled buffer of `maxLength` per read.
    private var scratch: [UInt8] = []

    /// Opens `node` exclusively in raw 8N1 at `baud` and flushes stale bytes.
    public init(node: String, baud: Int = 115_200) throws(TransportError) {
        name = "tty \(node)"
        guard let speed = SerialTransport.speed(for: baud) else {
            throw .io(name: name, call: "cfsetspeed", code: EINVAL,
                      message: "unsupported baud rate \(baud); use one of \(SerialTransport.supportedBauds.map(String.init).joined(separator: ", "))")
        }
        descriptor = Glibc.open(node, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw SerialTransport.openError(node: node, errno: errno) }
        do {
            try lockExclusively(node: node)
            try configureRaw(speed: speed)
        } catch {
            Glibc.close(descriptor)
            descriptor = -1
            throw error
        }
    }

    deinit { close() }

    public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        precondition(maxLength > 0, "read needs room for at least one byte")
        let started = Deadline.now
        if scratch.count < maxLength { scratch = [UInt8](repeating: 0, count: maxLength) }
        while true {
            guard descriptor >= 0 else { throw .closed(name: name) }
            let count = scratch.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, maxLength) }
            if count > 0 { return Array(scratch[..<count]) }
            if count == 0 { throw .deviceVanished(name: name, during: "read (hang-up)") }
            let code = errno
            guard code == EAGAIN || code == EINTR else { throw ioError(code, call: "read") }
            try waitFor(Int16(POLLIN), deadline: deadline, operation: "data on \(name)", started: started, transferred: 0)
        }
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        let started = Deadline.now
        var sent = 0
        while sent < bytes.count {
            guard descriptor >= 0 else { throw .closed(name: name) }
            let count = bytes[sent...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count > 0 { sent += count; continue }
            let code = errno
            guard count < 0, code == EAGAIN || code == EINTR else { throw ioError(code, call: "write") }
            try waitFor(Int16(POLLOUT), deadline: deadline, operation: "room to write on \(name)", started: started, transferred: sent)
        }
    }

    /// Discards bytes received but not read and bytes written but not sent.
    public func flush() {
        if descriptor >= 0 { tcflush(descriptor, TCIOFLUSH) }
    }

    public func close() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        Glibc.close(descriptor)
        descriptor = -1
    }

    private func waitFor(_ events: Int16, deadline: Deadline, operation: String, started: Deadline,
                         transferred: Int) throws(TransportError) {
        if deadline.hasPassed {
            let waited = Int((Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
            throw .timedOut(operation: operation, waitedMilliseconds: waited, transferred: transferred)
        }
        var poller = pollfd(fd: descriptor, events: events, revents: 0)
        let timeout = deadline == .never ? -1 : Int32(min(deadline.remainingMilliseconds, 1000))
        let ready = poll(&poller, 1, timeout)
        if ready < 0, errno != EINTR { throw ioError(errno, call: "poll") }
        if ready > 0, poller.revents & Int16(POLLNVAL) != 0 { throw .closed(name: name) }
        // POLLHUP/POLLERR: the next read or write reports the error with its errno.
    }

    private func lockExclusively(node: String) throws(TransportError) {
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK {
            throw .busy(resource: node, holder: "another program has it open (ModemManager, a terminal program)")
        }
        // TIOCEXCL also keeps out programs that do not use flock; faked ttys answer ENOTTY.
        _ = ioctl(descriptor, UInt(TIOCEXCL))
    }

    private func configureRaw(speed: speed_t) throws(TransportError) {
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else { throw ioError(errno, call: "tcgetattr") }
        cfmakeraw(&settings)
        settings.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        settings.c_cflag &= ~(tcflag_t(CSTOPB) | tcflag_t(PARENB) | tcflag_t(CRTSCTS))
        settings.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            // VMIN 1 with O_NONBLOCK: an empty read is EAGAIN and a read of 0 bytes means hang-up.
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        guard tcsetattr(descriptor, TCSANOW, &settings) == 0 else { throw ioError(errno, call: "tcsetattr") }
        tcflush(descriptor, TCIOFLUSH)
    }

    private func ioError(_ code: Int32, call: String) -> TransportError {
        if code == EIO || code == ENXIO || code == ENODEV { return .deviceVanished(name: name, during: call) }
        return .io(name: name, call: call, code: code, message: String(cString: strerror(code)))
    }

    private static func openError(node: String, errno code: Int32) -> TransportError {
        switch code {
        case EACCES, EPERM: return .permissionDenied(node: node)
        case EBUSY: return .busy(resource: node, holder: nil)
        case ENOENT, ENODEV, ENXIO: return .deviceVanished(name: "tty \(node)", during: "open (no such node)")
        default: return .io(name: "tty \(node)", call: "open", code: code, message: String(cString: strerror(code)))
        }
    }

    /// Baud rates the termios layer accepts.
    public static let supportedBauds = [9600, 19200, 38400, 57600, 115_200, 230_400, 460_800, 921_600, 1_000_000, 1_500_000, 2_000_000, 3_000_000]

    private static func speed(for baud: Int) -> speed_t? {
        let table: [Int: Int32] = [
            9600: B9600, 19200: B19200, 38400: B38400, 57600: B57600, 115_200: B115200, 230_400: B230400,
            460_800: B460800, 921_600: B921600, 1_000_000: B1000000, 1_500_000: B1500000,
            2_000_000: B2000000, 3_000_000: B3000000,
        ]
        return table[baud].map { speed_t($0) }
    }
}
