/// The parts of a USB device's descriptors that flashing needs (USB 2.0 spec, chapter 9.6).
public struct USBDescriptorSet: Equatable, Sendable {
    /// bcdUSB, e.g. 0x0200.
    public var usbVersion: UInt16
    /// bDeviceClass / bDeviceSubClass / bDeviceProtocol.
    public var deviceClass: UInt8, deviceSubclass: UInt8, deviceProtocol: UInt8
    /// bMaxPacketSize0.
    public var controlPacketSize: UInt8
    /// idVendor and idProduct.
    public var identity: USBIdentity
    /// bcdDevice.
    public var deviceRelease: UInt16
    /// Every configuration, in the order the device reported them.
    public var configurations: [USBConfigurationDescriptor]
}

/// One configuration and its interfaces.
public struct USBConfigurationDescriptor: Equatable, Sendable {
    /// bConfigurationValue.
    public var value: UInt8
    /// Interfaces with all their alternate settings.
    public var interfaces: [USBInterfaceDescriptor]
}

/// One interface alternate setting.
public struct USBInterfaceDescriptor: Equatable, Sendable, Encodable {
    /// bInterfaceNumber and bAlternateSetting.
    public var number: UInt8, alternateSetting: UInt8
    /// bInterfaceClass / bInterfaceSubClass / bInterfaceProtocol.
    public var interfaceClass: UInt8, interfaceSubclass: UInt8, interfaceProtocol: UInt8
    /// The endpoints of this setting.
    public var endpoints: [USBEndpointDescriptor]

    /// An interface record.
    public init(number: UInt8, alternateSetting: UInt8, interfaceClass: UInt8, interfaceSubclass: UInt8,
                interfaceProtocol: UInt8, endpoints: [USBEndpointDescriptor]) {
        self.number = number
        self.alternateSetting = alternateSetting
        self.interfaceClass = interfaceClass
        self.interfaceSubclass = interfaceSubclass
        self.interfaceProtocol = interfaceProtocol
        self.endpoints = endpoints
    }
}

/// One endpoint.
public struct USBEndpointDescriptor: Equatable, Sendable, Encodable {
    /// bEndpointAddress: bit 7 set for IN.
    public var address: UInt8
    /// The transfer type from bmAttributes.
    public var transferType: USBTransferType
    /// wMaxPacketSize (bits 0–10).
    public var maxPacketSize: UInt16

    /// An endpoint record.
    public init(address: UInt8, transferType: USBTransferType, maxPacketSize: UInt16) {
        self.address = address
        self.transferType = transferType
        self.maxPacketSize = maxPacketSize
    }

    /// Whether data flows device → host.
    public var isIn: Bool { address & 0x80 != 0 }
}

/// The four USB transfer types.
public enum USBTransferType: String, Sendable, Encodable {
    case control, isochronous, bulk, interrupt

    /// The type encoded in bits 0–1 of an endpoint's bmAttributes.
    public init(attributes: UInt8) {
        switch attributes & 0x03 {
        case 0: self = .control
        case 1: self = .isochronous
        case 2: self = .bulk
        default: self = .interrupt
        }
    }
}

/// A descriptor blob that does not follow chapter 9.
public enum USBDescriptorError: Error, Equatable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int, available: Int)
    case badLength(offset: Int, length: UInt8, type: UInt8)
    case notADeviceDescriptor(type: UInt8)
    case orphanDescriptor(offset: Int, type: UInt8)

    public var description: String {
        switch self {
        case let .truncated(offset, needed, available):
            return "USB descriptors truncated at offset \(offset): needed \(needed) bytes, \(available) left"
        case let .badLength(offset, length, type):
            return "USB descriptor of type \(type) at offset \(offset) has impossible length \(length)"
        case let .notADeviceDescriptor(type):
            return "USB descriptors must start with a device descriptor (type 1), found type \(type)"
        case let .orphanDescriptor(offset, type):
            return "USB descriptor of type \(type) at offset \(offset) appears before its configuration or interface"
        }
    }
}

extension USBDescriptorSet {
    /// Parses the raw descriptor blob the kernel exposes in sysfs (`descriptors`): the device
    /// descriptor followed by each configuration with its interface and endpoint descriptors.
    public init(parsing blob: [UInt8]) throws(USBDescriptorError) {
        do {
            self = try Self.parse(blob)
        } catch let error as USBDescriptorError {
            throw error
        } catch let ByteReaderError.truncated(offset, needed, available) {
            throw .truncated(offset: offset, needed: needed, available: available)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// The parser; byte-reader errors pass through to the single conversion above.
    private static func parse(_ blob: [UInt8]) throws -> USBDescriptorSet {
        var reader = ByteReader(blob)
        let length = try reader.readByte(), type = try reader.readByte()
        guard type == 1 else { throw USBDescriptorError.notADeviceDescriptor(type: type) }
        guard length >= 18 else { throw USBDescriptorError.badLength(offset: 0, length: length, type: type) }
        let usbVersion = try reader.read(UInt16.self, endianness: .little)
        let deviceClass = try reader.readByte(), deviceSubclass = try reader.readByte()
        let deviceProtocol = try reader.readByte(), controlPacketSize = try reader.readByte()
        let vendor = try reader.read(UInt16.self, endianness: .little)
        let product = try reader.read(UInt16.self, endianness: .little)
        let release = try reader.read(UInt16.self, endianness: .little)
        try reader.skip(Int(length) - 14)
        return USBDescriptorSet(
            usbVersion: usbVersion, deviceClass: deviceClass, deviceSubclass: deviceSubclass, deviceProtocol: deviceProtocol,
            controlPacketSize: controlPacketSize, identity: USBIdentity(vendorID: vendor, productID: product),
            deviceRelease: release, configurations: try parseConfigurations(&reader))
    }

    private static func parseConfigurations(_ reader: inout ByteReader) throws -> [USBConfigurationDescriptor] {
        var configurations: [USBConfigurationDescriptor] = []
        while reader.remaining > 0 {
            let start = reader.offset
            let length = try reader.readByte(), type = try reader.readByte()
            guard length >= 2 else { throw USBDescriptorError.badLength(offset: start, length: length, type: type) }
            let body = try reader.read(count: Int(length) - 2)
            try apply(type: type, body: body, offset: start, to: &configurations)
        }
        return configurations
    }

    private static func apply(type: UInt8, body: [UInt8], offset: Int,
                              to configurations: inout [USBConfigurationDescriptor]) throws(USBDescriptorError) {
        switch type {
        case 2:
            guard body.count >= 7 else { throw .badLength(offset: offset, length: UInt8(body.count + 2), type: type) }
            configurations.append(USBConfigurationDescriptor(value: body[3], interfaces: []))
        case 4:
            guard body.count >= 7 else { throw .badLength(offset: offset, length: UInt8(body.count + 2), type: type) }
            guard !configurations.isEmpty else { throw .orphanDescriptor(offset: offset, type: type) }
            configurations[configurations.count - 1].interfaces.append(USBInterfaceDescriptor(
                number: body[0], alternateSetting: body[1], interfaceClass: body[3],
                interfaceSubclass: body[4], interfaceProtocol: body[5], endpoints: []))
        case 5:
            guard body.count >= 5 else { throw .badLength(offset: offset, length: UInt8(body.count + 2), type: type) }
            guard let last = configurations.indices.last, !configurations[last].interfaces.isEmpty else {
                throw .orphanDescriptor(offset: offset, type: type)
            }
            let endpoint = USBEndpointDescriptor(
                address: body[0], transferType: USBTransferType(attributes: body[1]),
                maxPacketSize: (UInt16(body[2]) | UInt16(body[3]) << 8) & 0x07FF)
            let interface = configurations[last].interfaces.count - 1
            configurations[last].interfaces[interface].endpoints.append(endpoint)
        default:
            break  // class-specific, IADs, BOS: not needed for flashing
        }
    }
}
