import Foundation
import TermflashCore

/// Lists USB devices: libusb for the bus, ports and descriptors, udev for strings, drivers and ttys.
public enum USBEnumerator {
    /// Every device except root hubs, sorted by path.
    public static func devices() throws(HardwareError) -> [USBDeviceInfo] {
        let context = try LibUSBContext()
        let udevDevices = (try? UDev.usbDevices()) ?? [:]
        let summaries: [LibUSBDeviceSummary]
        do {
            summaries = try context.withDevices { $0.map(LibUSBDeviceSummary.init) }
        } catch let error as HardwareError {
            throw error
        } catch {
            throw .libusb(call: "libusb_get_device_list", code: -99, name: "\(error)")
        }
        return summaries
            .compactMap { describe($0, udev: udevDevices["\($0.bus):\($0.address)"]) }
            .sorted { $0.path.localizedStandardCompare($1.path) == .orderedAscending }
    }

    /// Joins libusb's view of a device with udev's; root hubs (no port path) are skipped.
    static func describe(_ summary: LibUSBDeviceSummary, udev: UDevUSBDevice?) -> USBDeviceInfo? {
        guard let path = udev?.sysname ?? summary.portPath, path.contains("-") else { return nil }
        let descriptors = summary.interfaces ?? udev?.rawDescriptors.flatMap(interfacesFromRaw) ?? []
        let interfaces = descriptors.map { descriptor in
            USBInterfaceInfo(
                number: descriptor.number, interfaceClass: descriptor.interfaceClass,
                interfaceSubclass: descriptor.interfaceSubclass, interfaceProtocol: descriptor.interfaceProtocol,
                endpoints: descriptor.endpoints, driver: udev?.interfaceDrivers[descriptor.number],
                ttys: udev?.interfaceTTYs[descriptor.number] ?? [])
        }
        return USBDeviceInfo(
            path: path, bus: summary.bus, address: summary.address, identity: summary.identity,
            manufacturer: udev?.manufacturer, product: udev?.product, serial: udev?.serial,
            speedMbps: udev?.speedMbps, interfaces: interfaces, sysfsPath: udev?.syspath)
    }

    /// Alternate setting 0 of the first configuration, parsed from the sysfs descriptor blob;
    /// used when libusb cannot read the active configuration (an unconfigured device).
    static func interfacesFromRaw(_ blob: [UInt8]) -> [USBInterfaceDescriptor]? {
        guard let set = try? USBDescriptorSet(parsing: blob), let first = set.configurations.first else { return nil }
        return first.interfaces.filter { $0.alternateSetting == 0 }
    }

    /// The one device `selection` names among those `accept` allows, or an error listing what was seen.
    public static func select(_ selection: DeviceSelection, from devices: [USBDeviceInfo],
                              accept: (USBDeviceInfo) -> Bool = { _ in true }) throws(HardwareError) -> USBDeviceInfo {
        let matching = devices.filter { selection.matches($0) && accept($0) }
        guard let first = matching.first else {
            throw .noDeviceMatched(selection: selection.description, seen: devices.map(\.shortDescription))
        }
        guard matching.count == 1 else {
            throw .ambiguousSelection(selection: selection.description, candidates: matching.map(\.shortDescription))
        }
        return first
    }
}

extension USBDeviceInfo {
    /// `1-1.4 19d2:0016 ZTE Download` — one line for error messages.
    public var shortDescription: String {
        [path, identity.description, product].compactMap { $0 }.joined(separator: " ")
    }
}

/// The bytes of a file, or `nil` when it cannot be read.
func readFile(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}
