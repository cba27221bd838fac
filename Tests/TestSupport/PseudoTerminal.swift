#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A pty pair: tests put a simulated device on the master side and open the slave path
/// with the real serial transport.
public final class PseudoTerminal {
    /// The master file descriptor (the device side).
    public private(set) var master: Int32
    /// The slave path, e.g. `/dev/pts/5`.
    public let slavePath: String
    private var slave: Int32

    /// Opens a pair and puts the slave in raw mode before anything is sent.
    public init() throws {
        var master: Int32 = -1, slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 128)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var settings = termios()
        tcgetattr(slave, &settings)
        cfmakeraw(&settings)
        tcsetattr(slave, TCSANOW, &settings)
        self.master = master
        self.slave = slave
        slavePath = String(cString: name)
    }

    deinit {
        closeMaster()
        if slave >= 0 { Glibc.close(slave) }
    }

    /// Closes the device side: the tool's next read sees the device vanish.
    public func closeMaster() {
        if master >= 0 { Glibc.close(master) }
        master = -1
    }

    /// Closes the pair's own slave descriptor so that only the tool holds the tty.
    public func releaseSlave() {
        if slave >= 0 { Glibc.close(slave) }
        slave = -1
    }

    /// Writes all bytes to the master side.
    public func writeAll(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if count > 0 { sent += count } else if errno != EINTR && errno != EAGAIN { return }
        }
    }

    /// Reads up to `max` bytes from the master side (blocking); empty at end.
    public func read(max: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, max) }
        return count > 0 ? Array(buffer.prefix(count)) : []
    }
}
