internal import CLibUSB
import Foundation
import TermflashCore

/// One libusb context; every libusb call in termflash goes through this file's helpers.
final class LibUSBContext {
    let pointer: OpaquePointer

    /// Opens a context; a machine with no usbfs gives ``HardwareError/noUSBSubsystem(detail:)``.
    init() throws(HardwareError) {
        // libusb 1.0.26 initialises even without usbfs and then sees nothing; say why instead.
        guard FileManager.default.fileExists(atPath: "/sys/bus/usb") else {
            throw .noUSBSubsystem(detail: "/sys/bus/usb is missing")
        }
        var context: OpaquePointer?
        let status = libusb_init(&context)
        guard status == 0, let context else {
            if status == LIBUSB_ERROR_OTHER.rawValue || status == LIBUSB_ERROR_NOT_FOUND.rawValue {
                throw .noUSBSubsystem(detail: "libusb_init: \(LibUSBContext.errorName(status))")
            }
            throw .libusb(call: "libusb_init", code: status, name: LibUSBContext.errorName(status))
        }
        pointer = context
    }

    deinit {
        libusb_exit(pointer)
    }

    /// The symbolic name of a libusb status (`LIBUSB_ERROR_BUSY`).
    static func errorName(_ status: Int32) -> String {
        String(cString: libusb_error_name(status))
    }

    /// Throws a ``HardwareError/libusb(call:code:name:)`` for a negative status.
    @discardableResult
    static func check(_ status: Int32, _ call: String) throws(HardwareError) -> Int32 {
        guard status >= 0 else { throw .libusb(call: call, code: status, name: errorName(status)) }
        return status
    }

    /// Every device on every bus, with the calls needed to describe it; the list is freed after `body`.
    func withDevices<T>(_ body: ([OpaquePointer]) throws -> T) throws -> T {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(pointer, &list)
        try LibUSBContext.check(Int32(truncatingIfNeeded: min(count, 0)), "libusb_get_device_list")
        defer { libusb_free_device_list(list, 1) }
        let devices = (0..<Int(count)).compactMap { list?[$0] }
        return try body(devices)
    }
}

/// Reads what libusb knows of one device without opening it.
struct LibUSBDeviceSummary {
    let bus: UInt8
    let address: UInt8
    let portPath: String?
    let identity: USBIdentity
    let interfaces: [USBInterfaceDescriptor]?

    init(_ device: OpaquePointer) {
        bus = libusb_get_bus_number(device)
        address = libusb_get_device_address(device)
        var ports = [UInt8](repeating: 0, count: 8)
        let depth = libusb_get_port_numbers(device, &ports, Int32(ports.count))
        portPath = depth > 0 ? "\(bus)-" + ports[0..<Int(depth)].map(String.init).joined(separator: ".") : nil
        var descriptor = libusb_device_descriptor()
        libusb_get_device_descriptor(device, &descriptor)
        identity = USBIdentity(vendorID: descriptor.idVendor, productID: descriptor.idProduct)
        interfaces = LibUSBDeviceSummary.activeInterfaces(device)
    }

    /// Alternate setting 0 of each interface of the active configuration, or `nil` if unreadable.
    private static func activeInterfaces(_ device: OpaquePointer) -> [USBInterfaceDescriptor]? {
        var config: UnsafeMutablePointer<libusb_config_descriptor>?
        guard libusb_get_active_config_descriptor(device, &config) == 0, let config else { return nil }
        defer { libusb_free_config_descriptor(config) }
        return (0..<Int(config.pointee.bNumInterfaces)).compactMap { index in
            let interface = config.pointee.interface[index]
            guard interface.num_altsetting > 0 else { return nil }
            let setting = interface.altsetting[0]
            let endpoints = (0..<Int(setting.bNumEndpoints)).map { number in
                let endpoint = setting.endpoint[number]
                return USBEndpointDescriptor(
                    address: endpoint.bEndpointAddress,
                    transferType: USBTransferType(attributes: endpoint.bmAttributes),
                    maxPacketSize: endpoint.wMaxPacketSize & 0x07FF)
            }
            return USBInterfaceDescriptor(
                number: setting.bInterfaceNumber, alternateSetting: setting.bAlternateSetting,
                interfaceClass: setting.bInterfaceClass, interfaceSubclass: setting.bInterfaceSubClass,
                interfaceProtocol: setting.bInterfaceProtocol, endpoints: endpoints)
        }
    }
}
