import Foundation
import TermflashCore

/// Which device of a multi-device USB capture to use: `BUS:DEV` (decimal, as usbmon numbers
/// them) or `VID:PID` (four hex digits each, found through the capture's device descriptor).
public enum CaptureDeviceFilter: Sendable, Equatable, CustomStringConvertible {
    case address(bus: UInt16, device: UInt8)
    case identity(USBIdentity)

    /// Parses `1:4` or `05c6:9008`; `nil` if it is neither.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2 else { return nil }
        if parts[0].count == 4, parts[1].count == 4, let identity = USBIdentity(text) {
            self = .identity(identity)
        } else if let bus = UInt16(parts[0]), let device = UInt8(parts[1]) {
            self = .address(bus: bus, device: device)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case let .address(bus, device): return "\(bus):\(device)"
        case let .identity(identity): return identity.description
        }
    }
}

/// Opens a recording of either kind — pcap/pcapng (USB) or umockdev script (serial) — as a
/// dialogue, the one shape replay and decoding work on.
public enum CaptureSource {
    /// Reads `path`; `device` narrows a USB capture of several devices.
    public static func dialogue(contentsOf path: String, device: CaptureDeviceFilter? = nil) throws(CaptureError) -> DeviceDialogue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io(file: path, reason: "cannot be read (missing or not permitted)")
        }
        let bytes = [UInt8](data)
        guard isPacketCapture(bytes) else { return try UMockDevScript.dialogue(parsing: bytes, name: path) }
        let capture = try USBCapture(CaptureFile(bytes: bytes, name: path))
        return try DeviceDialogue(capture, device: resolve(device, in: capture))
    }

    /// Whether the bytes start like a pcap or pcapng file.
    public static func isPacketCapture(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        let magic = UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
        return [0x0A0D_0D0A, 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1].contains(magic)
    }

    private static func resolve(_ filter: CaptureDeviceFilter?, in capture: USBCapture) throws(CaptureError) -> (bus: UInt16, device: UInt8)? {
        guard let filter else { return nil }
        let devices = capture.devices
        let match: (bus: UInt16, device: UInt8, identity: USBIdentity?)?
        switch filter {
        case let .address(bus, device): match = devices.first { $0.bus == bus && $0.device == device }
        case let .identity(identity): match = devices.first { $0.identity == identity }
        }
        guard let match else {
            let seen = devices.map { "\($0.bus):\($0.device)" + ($0.identity.map { " (\($0))" } ?? "") }
            throw .badUSBRecord(file: capture.name, record: 0, offset: 0,
                                reason: "no device \(filter) in the capture; it holds " + (seen.isEmpty ? "no USB records" : seen.joined(separator: ", ")))
        }
        return (match.bus, match.device)
    }
}

extension CaptureError: ActionableError {
    public var exitStatus: ExitStatus { .failure }

    public var advice: String? {
        switch self {
        case .unsupportedLinkType:
            return "capture USB traffic on a usbmonN interface (Linux) or with USBPcap (Windows)"
        case .truncated, .badBlockLength:
            return "the file was cut short or damaged; take the capture again or send the original"
        case .badScriptLine:
            return "fix the line: 'r <ms> <data>' or 'w <ms> <data>', bytes below 32 as ^@..^_, '^' as ^`"
        default:
            return nil
        }
    }
}
