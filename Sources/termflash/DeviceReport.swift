import TermflashCore
import TermflashProfiles

/// One device as `list` and `wait` show it: what the bus says plus what termflash recognises.
struct DeviceReport: Encodable {
    let path: String
    let usb: String
    let bus: UInt8
    let address: UInt8
    let manufacturer: String?
    let product: String?
    let serial: String?
    let profile: String?
    let name: String?
    let mode: DeviceMode
    let recognisedBy: String?
    let interfaces: [InterfaceReport]

    struct InterfaceReport: Encodable {
        let number: UInt8
        let `class`: String
        let role: String?
        let driver: String?
        let endpoints: [EndpointReport]
        let ttys: [TTYNode]
    }

    struct EndpointReport: Encodable {
        let address: String
        let direction: String
        let type: String
        let maxPacketSize: UInt16
    }

    init(device: USBDeviceInfo, identification: DeviceIdentification?) {
        path = device.path
        usb = device.identity.description
        bus = device.bus
        address = device.address
        manufacturer = device.manufacturer
        product = device.product
        serial = device.serial
        profile = identification?.profileID
        name = identification?.name
        mode = identification?.mode ?? .unknown
        recognisedBy = identification.map { $0.profileID == nil ? "known-identity" : "profile" }
        interfaces = device.interfaces.map { interface in
            InterfaceReport(
                number: interface.number, class: interface.classTriple,
                role: identification?.interfaceRoles[Int(interface.number)]?.rawValue,
                driver: interface.driver,
                endpoints: interface.endpoints.map {
                    EndpointReport(address: "0x" + byteHex($0.address), direction: $0.isIn ? "in" : "out",
                                   type: $0.transferType.rawValue, maxPacketSize: $0.maxPacketSize)
                },
                ttys: interface.ttys)
        }
    }

    /// The human-readable block `list` prints.
    var text: String {
        var lines = ["\(path)  \(usb)  \([manufacturer, product].compactMap { $0 }.joined(separator: " "))"
                        + (serial.map { "  serial \($0)" } ?? "")]
        let recognised = profile.map { "profile \($0)" } ?? (name == nil ? "unrecognised" : "known identity")
        lines.append("    mode \(mode.rawValue)  \(recognised)" + (name.map { "  (\($0))" } ?? ""))
        for interface in interfaces {
            var line = "    if\(interface.number) \(interface.class)"
            if let role = interface.role { line += " \(role)" }
            line += "  driver \(interface.driver ?? "-")"
            let bulk = interface.endpoints.filter { $0.type == "bulk" }
                .map { "\($0.direction.uppercased()) \($0.address)/\($0.maxPacketSize)" }
            if !bulk.isEmpty { line += "  bulk " + bulk.joined(separator: " ") }
            lines.append(line)
            for tty in interface.ttys {
                lines.append("        \(tty.node)" + tty.links.map { "\n        \($0)" }.joined())
            }
        }
        return lines.joined(separator: "\n")
    }
}
