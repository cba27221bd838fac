/// Everything termflash knows about one USB device on the bus, from libusb and udev.
public struct USBDeviceInfo: Sendable, Encodable, Equatable {
    /// Bus and port chain as the kernel names it: `1-1.4`.
    public var path: String
    /// Bus number and device address (they change on every re-enumeration).
    public var bus: UInt8, address: UInt8
    /// idVendor:idProduct.
    public var identity: USBIdentity
    /// String descriptors, when the device has them.
    public var manufacturer: String?, product: String?, serial: String?
    /// Negotiated speed in Mbit/s, when known.
    public var speedMbps: Double?
    /// Interfaces of the active configuration (alternate setting 0).
    public var interfaces: [USBInterfaceInfo]
    /// The sysfs path, for umockdev recordings and bug reports.
    public var sysfsPath: String?

    /// A device record.
    public init(path: String, bus: UInt8, address: UInt8, identity: USBIdentity,
                manufacturer: String? = nil, product: String? = nil, serial: String? = nil,
                speedMbps: Double? = nil, interfaces: [USBInterfaceInfo] = [], sysfsPath: String? = nil) {
        self.path = path
        self.bus = bus
        self.address = address
        self.identity = identity
        self.manufacturer = manufacturer
        self.product = product
        self.serial = serial
        self.speedMbps = speedMbps
        self.interfaces = interfaces
        self.sysfsPath = sysfsPath
    }

    enum CodingKeys: String, CodingKey {
        case path, bus, address, identity = "usb", manufacturer, product, serial, speedMbps, interfaces, sysfsPath
    }
}

/// One interface of a USB device, with what the kernel has attached to it.
public struct USBInterfaceInfo: Sendable, Encodable, Equatable {
    /// bInterfaceNumber.
    public var number: UInt8
    /// Class / subclass / protocol.
    public var interfaceClass: UInt8, interfaceSubclass: UInt8, interfaceProtocol: UInt8
    /// Every endpoint (bulk ones are what protocols use).
    public var endpoints: [USBEndpointDescriptor]
    /// The kernel driver bound to the interface (`option`, `qcserial`, `qmi_wwan`, `usb-storage`…).
    public var driver: String?
    /// tty nodes that belong to this interface, with their stable links.
    public var ttys: [TTYNode]

    /// An interface record.
    public init(number: UInt8, interfaceClass: UInt8, interfaceSubclass: UInt8, interfaceProtocol: UInt8,
                endpoints: [USBEndpointDescriptor], driver: String? = nil, ttys: [TTYNode] = []) {
        self.number = number
        self.interfaceClass = interfaceClass
        self.interfaceSubclass = interfaceSubclass
        self.interfaceProtocol = interfaceProtocol
        self.endpoints = endpoints
        self.driver = driver
        self.ttys = ttys
    }

    /// The first bulk IN and bulk OUT endpoints, when the interface has both.
    public var bulkPair: (in: USBEndpointDescriptor, out: USBEndpointDescriptor)? {
        guard let input = endpoints.first(where: { $0.transferType == .bulk && $0.isIn }),
              let output = endpoints.first(where: { $0.transferType == .bulk && !$0.isIn }) else { return nil }
        return (input, output)
    }

    /// `ff/ff/ff` style class triple.
    public var classTriple: String {
        [interfaceClass, interfaceSubclass, interfaceProtocol].map { byteHex($0) }.joined(separator: "/")
    }
}

/// A tty device node and its `/dev/serial/by-id` (and other) links.
public struct TTYNode: Sendable, Encodable, Equatable {
    /// `/dev/ttyUSB0`.
    public var node: String
    /// Stable links such as `/dev/serial/by-id/usb-ZTE…-if00-port0`.
    public var links: [String]

    /// A tty record.
    public init(node: String, links: [String]) {
        self.node = node
        self.links = links
    }
}

/// Two lower-case hex digits.
public func byteHex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
}
