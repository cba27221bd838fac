import TermflashCore
import TermflashProtocols

extension QualcommHDLCDevice {
    /// A small MDM9x15-like layout (128 KiB blocks) for simulators started without a table:
    /// MIBIB, SBL2, RPM, EFS2, APPSBL, APPS, SYSTEM and a USERDATA that grows to the end.
    public static func defaultTable(form: MIBIBPartitionTable.Form = .read) -> MIBIBPartitionTable {
        let layout: [(String, UInt32, UInt32, [UInt8])] = [
            ("0:MIBIB", 0, 4, [0xFF, 0xFF, 0xFF, 0x00]), ("0:SBL2", 4, 4, [0xFF, 0xFF, 0x00, 0x00]),
            ("0:RPM", 8, 4, [0xFF, 0xFF, 0x00, 0x00]), ("0:EFS2", 12, 40, [0xFF, 0xFF, 0x00, 0x00]),
            ("0:APPSBL", 52, 4, [0xFF, 0xFF, 0x00, 0x00]), ("0:APPS", 56, 40, [0xFF, 0x01, 0x00, 0x00]),
            ("0:SYSTEM", 96, 120, [0xFF, 0x01, 0x00, 0x00]), ("0:USERDATA", 216, .max, [0xFF, 0x01, 0x00, 0x00]),
        ]
        return MIBIBPartitionTable(form: form, entries: layout.map {
            MIBIBPartitionTable.Entry(name: $0.0, offsetBlocks: $0.1, lengthBlocks: $0.2, attributes: $0.3)
        })
    }

    /// A device with the default layout on a `chipBytes` NAND file at `path` (created sparse).
    public static func withDefaultLayout(path: String, chipBytes: UInt64 = 64 << 20, mode: Mode = .diag,
                                         faults: HDLCDeviceFaults = HDLCDeviceFaults()) throws -> QualcommHDLCDevice {
        let store = try FlashStore(paths: [path], sizes: [chipBytes], sectorSize: 2048)
        return try QualcommHDLCDevice(store: store, table: defaultTable(), writeForm: defaultTable(form: .write).bytes,
                                      mode: mode, nvItems: sampleNVItems, faults: faults)
    }

    /// NV items a fresh simulated unit holds: an IMEI (550, BCD as Qualcomm stores it), the
    /// SPC (85), band preferences (441, 946) and a model name.
    public static let sampleNVItems: [UInt16: [UInt8]] = [
        550: [0x08, 0x8A, 0x66, 0x94, 0x08, 0x21, 0x43, 0x65, 0x87],
        85: Array("000000".utf8),
        441: [0xFF, 0xFF],
        946: [0x00, 0x00, 0x80, 0x00],
        3649: Array("MF823".utf8),
    ]
}
