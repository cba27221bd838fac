#if canImport(Glibc)
import Glibc
#endif
import TermflashCore

/// The device end of a pseudo-terminal: a simulated device reads and writes the master side
/// while termflash opens the slave path (`/dev/pts/N`) through its real serial transport.
public final class PTYDevicePort: Transport {
    public let name: String
    public let packetSize = 1
    /// The path the host opens.
    public let slavePath: String
    private var master: Int32

    /// Opens a pty pair with the slave in raw mode, then lets go of the slave so that the
    /// host's open and close can be seen (``waitForHost(deadline:)``).
    public init() throws(TransportError) {
        var master: Int32 = -1, slave: Int32 = -1
        var path = [CChar](repeating: 0, count: 128)
        guard openpty(&master, &slave, &path, nil, nil) == 0 else {
            throw .io(name: "pty", call: "openpty", code: errno, message: String(cString: strerror(errno)))
        }
        var settings = termios()
        tcgetattr(slave, &settings)
        cfmakeraw(&settings)
        tcsetattr(slave, TCSANOW, &settings)
        var masterSettings = termios()
        tcgetattr(master, &masterSettings)
        cfmakeraw(&masterSettings)
        tcsetattr(master, TCSANOW, &masterSettings)
        Glibc.close(slave)
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        self.master = master
        slavePath = String(cString: path)
        name = "pty \(slavePath) (device side)"
    }

    deinit { close() }

    /// Blocks until a host holds the slave open (the master stops reporting hang-up), then
    /// lets it settle so its open-time flush cannot eat what the device sends first.
    public func waitForHost(settleMilliseconds: Int = 150) {
        while master >= 0 {
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            _ = poll(&poller, 1, 20)
            if poller.revents & Int16(POLLHUP) == 0 { break }
            usleep(20_000)
        }
        usleep(UInt32(settleMilliseconds * 1000))
    }

    /// Whether the device side is still open (a disconnect fault closes it).
    public var isOpen: Bool { master >= 0 }

    /// Blocks until no host holds the slave open (after a session, before waiting for the next).
    public func waitForHostToLeave() {
        while master >= 0 {
            var poller = pollfd(fd: master, events: 0, revents: 0)
            _ = poll(&poller, 1, 20)
            if poller.revents & Int16(POLLHUP) != 0 { return }
            usleep(20_000)
        }
    }

    public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        let started = Deadline.now
        while true {
            guard master >= 0 else { throw .closed(name: name) }
            // A pty hands over at most a few KiB per read: a small buffer, not `maxLength` bytes per call.
            let size = min(maxLength, 1 << 16)
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                let got = Glibc.read(master, buffer.baseAddress, size)
                count = max(got, 0)
            }
            if !bytes.isEmpty { return bytes }
            let code = errno
            if code == EIO { throw .deviceVanished(name: name, during: "read (the host closed the port)") }
            guard code == EAGAIN || code == EINTR else { throw .io(name: name, call: "read", code: code, message: String(cString: strerror(code))) }
            try wait(Int16(POLLIN), deadline: deadline, started: started, transferred: 0, operation: "data from the host")
        }
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        let started = Deadline.now
        var sent = 0
        while sent < bytes.count {
            guard master >= 0 else { throw .closed(name: name) }
            let count = bytes[sent...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if count > 0 { sent += count; continue }
            let code = errno
            if code == EIO { throw .deviceVanished(name: name, during: "write (the host closed the port)") }
            guard code == EAGAIN || code == EINTR else { throw .io(name: name, call: "write", code: code, message: String(cString: strerror(code))) }
            try wait(Int16(POLLOUT), deadline: deadline, started: started, transferred: sent, operation: "room to write to the host")
        }
    }

    public func close() {
        guard master >= 0 else { return }
        Glibc.close(master)
        master = -1
    }

    private func wait(_ events: Int16, deadline: Deadline, started: Deadline, transferred: Int, operation: String) throws(TransportError) {
        if deadline.hasPassed {
            let waited = Int((Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
            throw .timedOut(operation: operation, waitedMilliseconds: waited, transferred: transferred)
        }
        var poller = pollfd(fd: master, events: events, revents: 0)
        let timeout = deadline == .never ? 1000 : Int32(min(deadline.remainingMilliseconds, 1000))
        let ready = poll(&poller, 1, timeout)
        if ready > 0, poller.revents & Int16(POLLHUP) != 0, poller.revents & events == 0 {
            throw .deviceVanished(name: name, during: "wait (the host closed the port)")
        }
    }
}
