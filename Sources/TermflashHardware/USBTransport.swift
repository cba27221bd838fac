#if canImport(Glibc)
import Glibc
#endif
internal import CLibUSB
import TermflashCore

/// Bulk IN/OUT on one claimed interface of a USB device, through libusb.
public final class USBTransport: Transport {
    public let name: String
    public let packetSize: Int
    private let context: LibUSBContext
    private var handle: OpaquePointer?
    private let interface: UInt8
    private let inEndpoint: UInt8
    private let outEndpoint: UInt8
    private var reattachDriver = false
    private var pending: [UInt8] = []
    private let bus: UInt8
    private let address: UInt8

    /// Sees every bulk transfer (set by `--record`).
    public weak var observer: USBTransferObserver?

    /// Opens `device` and claims `interface` (detaching a kernel driver where the system allows).
    public init(device: USBDeviceInfo, interface number: UInt8) throws(TransportError) {
        let label = "usb \(device.path) if\(number)"
        guard let interfaceInfo = device.interfaces.first(where: { $0.number == number }),
              let pair = interfaceInfo.bulkPair else {
            throw .io(name: label, call: "claim", code: -5,
                      message: "interface \(number) has no bulk IN/OUT pair (see 'termflash list')")
        }
        do {
            context = try LibUSBContext()
        } catch {
            throw .io(name: label, call: "libusb_init", code: -99, message: error.description)
        }
        name = label
        bus = device.bus
        address = device.address
        interface = number
        inEndpoint = pair.in.address
        outEndpoint = pair.out.address
        packetSize = Int(pair.out.maxPacketSize)
        handle = try Self.open(device, context: context, name: label)
        try claim(driver: interfaceInfo.driver)
    }

    deinit { close() }

    private static func open(_ device: USBDeviceInfo, context: LibUSBContext, name: String) throws(TransportError) -> OpaquePointer {
        var status: Int32 = Int32(LIBUSB_ERROR_NO_DEVICE.rawValue)
        var opened: OpaquePointer?
        _ = try? context.withDevices { devices in
            guard let match = devices.first(where: {
                libusb_get_bus_number($0) == device.bus && libusb_get_device_address($0) == device.address
            }) else { return }
            status = libusb_open(match, &opened)
        }
        guard status == 0, let opened else {
            throw transferError(status, name: name, during: "open", node: devNode(device))
        }
        return opened
    }

    private func claim(driver: String?) throws(TransportError) {
        guard let handle else { throw .closed(name: name) }
        if libusb_kernel_driver_active(handle, Int32(interface)) == 1 {
            // A real system detaches option/qcserial here; emulated buses answer OTHER, which is not fatal.
            reattachDriver = libusb_detach_kernel_driver(handle, Int32(interface)) == 0
        }
        let status = libusb_claim_interface(handle, Int32(interface))
        guard status == 0 else {
            if status == LIBUSB_ERROR_BUSY.rawValue {
                throw .busy(resource: "interface \(interface) of \(name)", holder: driver ?? "another program")
            }
            throw Self.transferError(status, name: name, during: "claim interface \(interface)", node: nil)
        }
    }

    public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        precondition(maxLength > 0, "read needs room for at least one byte")
        while pending.isEmpty {  // a zero-length packet carries nothing to hand out: wait for data
            pending = try receive(bufferLength: roundUpToPacket(maxLength), deadline: deadline)
        }
        let chunk = Array(pending.prefix(maxLength))
        pending.removeFirst(chunk.count)
        return chunk
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        var sent = 0
        while sent < bytes.count || bytes.isEmpty {
            let chunk = Array(bytes[sent...])
            let count = try transfer(endpoint: outEndpoint, buffer: chunk, deadline: deadline, already: sent, operation: "bulk OUT")
            sent += count.count
            if bytes.isEmpty { return }
        }
    }

    public func sendZeroLengthPacket(deadline: Deadline) throws(TransportError) {
        _ = try transfer(endpoint: outEndpoint, buffer: [], deadline: deadline, already: 0, operation: "zero-length packet")
    }

    public func close() {
        guard let handle else { return }
        libusb_release_interface(handle, Int32(interface))
        if reattachDriver { libusb_attach_kernel_driver(handle, Int32(interface)) }
        libusb_close(handle)
        self.handle = nil
    }

    private func receive(bufferLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        let buffer = [UInt8](repeating: 0, count: bufferLength)
        return try transfer(endpoint: inEndpoint, buffer: buffer, deadline: deadline, already: 0, operation: "bulk IN")
    }

    /// One libusb bulk transfer with a clear-halt retry on stall; returns the bytes moved
    /// (for OUT, the prefix of `buffer` the device accepted).
    private func transfer(endpoint: UInt8, buffer: [UInt8], deadline: Deadline, already: Int,
                          operation: String) throws(TransportError) -> [UInt8] {
        guard let handle else { throw .closed(name: name) }
        var data = buffer
        for attempt in 0..<2 {
            if deadline.hasPassed {
                throw .timedOut(operation: "\(operation) on \(name)", waitedMilliseconds: 0, transferred: already)
            }
            let timeout = deadline == .never ? 0 : UInt32(max(1, deadline.remainingMilliseconds))
            let started = Deadline.now
            var moved: Int32 = 0
            let submitted = observer == nil ? 0 : wallClockMicroseconds()
            let status = data.withUnsafeMutableBufferPointer { pointer in
                libusb_bulk_transfer(handle, endpoint, pointer.baseAddress, Int32(pointer.count), &moved, timeout)
            }
            report(endpoint: endpoint, buffer: data, moved: Int(moved), status: status, submitted: submitted)
            switch status {
            case 0:
                return Array(data.prefix(Int(moved)))
            case LIBUSB_ERROR_TIMEOUT.rawValue where moved > 0:
                if endpoint & 0x80 != 0 { return Array(data.prefix(Int(moved))) }
                throw .timedOut(operation: "\(operation) on \(name)", waitedMilliseconds: elapsed(since: started),
                                transferred: already + Int(moved))
            case LIBUSB_ERROR_TIMEOUT.rawValue:
                throw .timedOut(operation: "\(operation) on \(name)", waitedMilliseconds: elapsed(since: started),
                                transferred: already)
            case LIBUSB_ERROR_PIPE.rawValue where attempt == 0:
                libusb_clear_halt(handle, endpoint)
                data = buffer
            case LIBUSB_ERROR_PIPE.rawValue:
                throw .stalled(name: name, endpoint: endpoint)
            case LIBUSB_ERROR_OVERFLOW.rawValue:
                throw .overflow(name: name, endpoint: endpoint)
            default:
                throw Self.transferError(status, name: name, during: operation, node: nil)
            }
        }
        throw .stalled(name: name, endpoint: endpoint)
    }

    private func report(endpoint: UInt8, buffer: [UInt8], moved: Int, status: Int32, submitted: UInt64) {
        guard let observer else { return }
        let isIn = endpoint & 0x80 != 0
        observer.transferCompleted(USBTransferRecord(
            bus: bus, device: address, endpoint: endpoint, requestedLength: buffer.count,
            data: isIn ? Array(buffer.prefix(moved)) : buffer, transferred: moved, status: Self.urbStatus(status),
            submittedMicroseconds: submitted, completedMicroseconds: wallClockMicroseconds()))
    }

    /// The Linux URB status usbmon would show for a libusb result.
    private static func urbStatus(_ status: Int32) -> Int32 {
        switch status {
        case 0: return 0
        case LIBUSB_ERROR_TIMEOUT.rawValue: return -ENOENT  // the URB was cancelled
        case LIBUSB_ERROR_PIPE.rawValue: return -EPIPE
        case LIBUSB_ERROR_NO_DEVICE.rawValue: return -ENODEV
        case LIBUSB_ERROR_OVERFLOW.rawValue: return -EOVERFLOW
        default: return -EIO
        }
    }

    private func roundUpToPacket(_ length: Int) -> Int {
        let packet = max(packetSize, 1)
        return (length + packet - 1) / packet * packet
    }

    private static func transferError(_ status: Int32, name: String, during: String, node: String?) -> TransportError {
        switch status {
        case LIBUSB_ERROR_NO_DEVICE.rawValue, LIBUSB_ERROR_NOT_FOUND.rawValue:
            return .deviceVanished(name: name, during: during)
        case LIBUSB_ERROR_ACCESS.rawValue:
            return .permissionDenied(node: node ?? name)
        case LIBUSB_ERROR_BUSY.rawValue:
            return .busy(resource: name, holder: nil)
        default:
            return .io(name: name, call: during, code: status, message: LibUSBContext.errorName(status))
        }
    }

    private static func devNode(_ device: USBDeviceInfo) -> String {
        "/dev/bus/usb/\(pad3(device.bus))/\(pad3(device.address))"
    }
}

private func pad3(_ value: UInt8) -> String {
    let digits = String(value)
    return String(repeating: "0", count: 3 - digits.count) + digits
}

private func elapsed(since start: Deadline) -> Int {
    Int((Deadline.now.uptimeNanoseconds - start.uptimeNanoseconds) / 1_000_000)
}
