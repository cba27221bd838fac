/// What a USB interface of a device is used for.
public enum InterfaceRole: String, CaseIterable, Sendable, Codable {
    /// USB mass storage (CD-ROM with the installer, card reader).
    case storage
    /// The primary AT command port.
    case at
    /// A secondary AT command port.
    case atSecondary = "at-secondary"
    /// A Qualcomm DIAG/QCDM port.
    case diag
    /// A download port (Qualcomm DLOAD, Sahara/Firehose, vendor download).
    case download
    /// A network interface (QMI/rmnet, RNDIS, CDC-ECM).
    case net
    /// An Android debug bridge interface.
    case adb
    /// A serial console.
    case console
    /// A GPS NMEA port.
    case nmea
    /// Present but of unknown use.
    case unknown
}
