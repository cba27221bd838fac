/// How the user names the device to talk to: the same three options on every command.
public struct DeviceSelection: Sendable, Equatable, CustomStringConvertible {
    /// Bus/port path such as `1-1.4`.
    public var path: String?
    /// USB serial-number string.
    public var serial: String?
    /// A tty node such as `/dev/ttyUSB2` (serial transports).
    public var port: String?

    /// A selection; all `nil` means "the only matching device".
    public init(path: String? = nil, serial: String? = nil, port: String? = nil) {
        self.path = path
        self.serial = serial
        self.port = port
    }

    /// Whether nothing narrows the choice.
    public var isEmpty: Bool { path == nil && serial == nil && port == nil }

    /// Whether `device` satisfies every criterion given (a `port` matches one of its ttys or links).
    public func matches(_ device: USBDeviceInfo) -> Bool {
        if let path, device.path != path { return false }
        if let serial, device.serial != serial { return false }
        if let port {
            let nodes = device.interfaces.flatMap(\.ttys).flatMap { [$0.node] + $0.links }
            if !nodes.contains(port) { return false }
        }
        return true
    }

    public var description: String {
        let parts = [path.map { "--path \($0)" }, serial.map { "--serial \($0)" }, port.map { "--port \($0)" }]
        let given = parts.compactMap { $0 }
        return given.isEmpty ? "any device" : given.joined(separator: " ")
    }
}
