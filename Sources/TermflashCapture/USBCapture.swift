import TermflashCore

/// The USB records of a capture file, parsed from whichever USB link type it uses, with
/// the device they belong to.
public struct USBCapture: Sendable {
    /// One parsed record and where it came from.
    public struct Event: Sendable {
        /// The record number in the file (1-based).
        public var record: Int
        /// Microseconds since the epoch.
        public var timestampMicroseconds: UInt64
        /// The usbmon view of the record.
        public var packet: USBMonPacket
        /// The pcapng comment (payload hashes of `--record-payloads hash`).
        public var comment: String?
    }

    /// The capture's file name.
    public let name: String
    /// Every USB record, in file order.
    public let events: [Event]

    /// Parses every record of `file` as USB.
    public init(_ file: CaptureFile) throws(CaptureError) {
        name = file.name
        var events: [Event] = []
        events.reserveCapacity(file.records.count)
        for record in file.records {
            let bytes = file.payload(of: record)
            let packet: USBMonPacket
            do {
                switch record.linkType {
                case 220: packet = try USBMonPacket(usbmon: bytes, headerLength: 64)
                case 189: packet = try USBMonPacket(usbmon: bytes, headerLength: 48)
                case 249: packet = try USBMonPacket(usbpcap: bytes)
                default: throw CaptureError.unsupportedLinkType(file: file.name, linkType: record.linkType, record: record.number)
                }
            } catch let error as USBRecordError {
                throw .badUSBRecord(file: file.name, record: record.number, offset: record.fileOffset, reason: error.reason)
            } catch let error as CaptureError {
                throw error
            } catch {
                preconditionFailure("unexpected error \(error)")
            }
            events.append(Event(record: record.number, timestampMicroseconds: record.timestampMicroseconds,
                                packet: packet, comment: record.comment))
        }
        self.events = events
    }

    /// Bus and device number of every device in the capture, with its VID:PID where the
    /// capture holds its device descriptor (a GET_DESCRIPTOR completion).
    public var devices: [(bus: UInt16, device: UInt8, identity: USBIdentity?)] {
        var order: [String] = []
        var found: [String: (bus: UInt16, device: UInt8, identity: USBIdentity?)] = [:]
        var pendingDescriptor: Set<UInt64> = []
        for event in events {
            let packet = event.packet
            let key = "\(packet.bus):\(packet.device)"
            if found[key] == nil {
                order.append(key)
                found[key] = (packet.bus, packet.device, nil)
            }
            if packet.kind == .submit, let setup = packet.setup, setup.count == 8,
               setup[0] == 0x80, setup[1] == 0x06, setup[3] == 0x01 {
                pendingDescriptor.insert(packet.urbID)
            } else if packet.kind == .complete, pendingDescriptor.remove(packet.urbID) != nil, packet.data.count >= 12,
                      packet.data[1] == 1 {
                let vendor = UInt16(packet.data[8]) | UInt16(packet.data[9]) << 8
                let product = UInt16(packet.data[10]) | UInt16(packet.data[11]) << 8
                found[key]?.identity = USBIdentity(vendorID: vendor, productID: product)
            }
        }
        return order.compactMap { found[$0] }
    }
}
