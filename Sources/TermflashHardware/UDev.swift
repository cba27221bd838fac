internal import CLibUDev
import TermflashCore

/// What udev knows of one USB device: strings, drivers and tty nodes. Every libudev call
/// in termflash lives in this file.
struct UDevUSBDevice {
    var syspath: String
    var sysname: String
    var bus: UInt8
    var address: UInt8
    var manufacturer: String?
    var product: String?
    var serial: String?
    var speedMbps: Double?
    var rawDescriptors: [UInt8]?
    /// Keyed by bInterfaceNumber.
    var interfaceDrivers: [UInt8: String] = [:]
    var interfaceTTYs: [UInt8: [TTYNode]] = [:]
}

/// Reads the udev database (real, or umockdev's) for USB devices and their ttys.
enum UDev {
    /// Every USB device udev knows, keyed by "bus:address".
    static func usbDevices() throws(HardwareError) -> [String: UDevUSBDevice] {
        guard let udev = udev_new() else { throw .udevUnavailable(call: "udev_new") }
        defer { udev_unref(udev) }
        var devices: [String: UDevUSBDevice] = [:]
        var devicesBySyspath: [String: String] = [:]
        forEach(udev, subsystem: "usb") { device in
            guard property(device, "DEVTYPE") == "usb_device", let record = usbDevice(device) else { return }
            let key = "\(record.bus):\(record.address)"
            devices[key] = record
            devicesBySyspath[record.syspath] = key
        }
        forEach(udev, subsystem: "usb") { device in
            guard property(device, "DEVTYPE") == "usb_interface",
                  let number = attribute(device, "bInterfaceNumber").flatMap({ UInt8($0, radix: 16) }),
                  let parent = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_device"),
                  let key = devicesBySyspath[string(udev_device_get_syspath(parent)) ?? ""] else { return }
            if let driver = string(udev_device_get_driver(device)) ?? property(device, "DRIVER") {
                devices[key]?.interfaceDrivers[number] = driver
            }
        }
        forEach(udev, subsystem: "tty") { device in
            guard let interface = udev_device_get_parent_with_subsystem_devtype(device, "usb", "usb_interface"),
                  let number = attribute(interface, "bInterfaceNumber").flatMap({ UInt8($0, radix: 16) }),
                  let parent = udev_device_get_parent_with_subsystem_devtype(interface, "usb", "usb_device"),
                  let key = devicesBySyspath[string(udev_device_get_syspath(parent)) ?? ""],
                  let node = string(udev_device_get_devnode(device)) else { return }
            devices[key]?.interfaceTTYs[number, default: []].append(TTYNode(node: node, links: links(device)))
        }
        return devices
    }

    private static func usbDevice(_ device: OpaquePointer) -> UDevUSBDevice? {
        guard let syspath = string(udev_device_get_syspath(device)),
              let sysname = string(udev_device_get_sysname(device)),
              let bus = attribute(device, "busnum").flatMap({ UInt8($0) }),
              let address = attribute(device, "devnum").flatMap({ UInt8($0) }) else { return nil }
        return UDevUSBDevice(
            syspath: syspath, sysname: sysname, bus: bus, address: address,
            manufacturer: attribute(device, "manufacturer"), product: attribute(device, "product"),
            serial: attribute(device, "serial"), speedMbps: attribute(device, "speed").flatMap { Double($0) },
            rawDescriptors: binaryAttribute(device, "descriptors"))
    }

    private static func forEach(_ udev: OpaquePointer, subsystem: String, _ body: (OpaquePointer) -> Void) {
        guard let enumerate = udev_enumerate_new(udev) else { return }
        defer { udev_enumerate_unref(enumerate) }
        udev_enumerate_add_match_subsystem(enumerate, subsystem)
        udev_enumerate_scan_devices(enumerate)
        var entry = udev_enumerate_get_list_entry(enumerate)
        var paths: [String] = []
        while let current = entry {
            if let path = string(udev_list_entry_get_name(current)) { paths.append(path) }
            entry = udev_list_entry_get_next(current)
        }
        for path in paths.sorted() {
            guard let device = udev_device_new_from_syspath(udev, path) else { continue }
            body(device)
            udev_device_unref(device)
        }
    }

    private static func links(_ device: OpaquePointer) -> [String] {
        var links: [String] = []
        var entry = udev_device_get_devlinks_list_entry(device)
        while let current = entry {
            if let link = string(udev_list_entry_get_name(current)) { links.append(link) }
            entry = udev_list_entry_get_next(current)
        }
        if links.isEmpty, let property = property(device, "DEVLINKS") {
            links = property.split(separator: " ").map(String.init)
        }
        return links.sorted()
    }

    private static func property(_ device: OpaquePointer, _ name: String) -> String? {
        string(udev_device_get_property_value(device, name))
    }

    private static func attribute(_ device: OpaquePointer, _ name: String) -> String? {
        string(udev_device_get_sysattr_value(device, name))?.trimmingWhitespace()
    }

    /// A binary sysfs attribute read from the file (udev's string API stops at the first NUL).
    private static func binaryAttribute(_ device: OpaquePointer, _ name: String) -> [UInt8]? {
        guard let syspath = string(udev_device_get_syspath(device)) else { return nil }
        return readFile("\(syspath)/\(name)")
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
