import TermflashCore

/// A DIAG request as the host sends it (before HDLC framing).
/// Layouts: PROTOCOLS.md B4 (Qualcomm DIAG); multi-byte fields are little-endian.
public enum DIAGRequest: Sendable, Equatable {
    /// 0x00: version information (build dates, model, firmware revision).
    case versionInfo
    /// 0x1C: the DIAG protocol version.
    case diagVersion
    /// 0x7C: extended build id (MSM hardware version, model id, build and model strings).
    case extendedBuildID
    /// 0x26: read an NV item.
    case nvRead(item: UInt16)
    /// 0x27: write an NV item (the session refuses identity items before anything is sent).
    case nvWrite(item: UInt16, data: [UInt8])
    /// 0x4B 0x30 0x01 0x00: read one index of an indexed NV item.
    case indexedNVRead(item: UInt16, index: UInt16)
    /// 0x41: send the six-digit service programming code.
    case spc(String)
    /// 0x3A: reboot into DMSS download mode.
    case switchToDownload
    /// 0x4B 0x65 0x01 0x00: reboot into emergency download (Sahara).
    case switchToEmergencyDownload

    /// Command codes.
    public enum Code {
        public static let versionInfo: UInt8 = 0x00
        public static let diagVersion: UInt8 = 0x1C
        public static let extendedBuildID: UInt8 = 0x7C
        public static let nvRead: UInt8 = 0x26
        public static let nvWrite: UInt8 = 0x27
        public static let spc: UInt8 = 0x41
        public static let download: UInt8 = 0x3A
        public static let subsystem: UInt8 = 0x4B
        /// Subsystem 48 (NV), command 1: indexed read.
        public static let subsystemNV: UInt8 = 0x30
        /// Subsystem 101, command 1: reboot to EDL.
        public static let subsystemEmergency: UInt8 = 0x65
    }

    /// Bytes of NV item data in every NV request and reply.
    public static let nvDataSize = 128

    /// The request bytes, without framing.
    public var payload: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .versionInfo: writer.write(Code.versionInfo, endianness: .little)
        case .diagVersion: writer.write(Code.diagVersion, endianness: .little)
        case .extendedBuildID: writer.write(Code.extendedBuildID, endianness: .little)
        case let .nvRead(item):
            writer.write(Code.nvRead, endianness: .little)
            writer.write(item, endianness: .little)
            writer.write(Self.padded([]))
            writer.write(UInt16(0), endianness: .little)
        case let .nvWrite(item, data):
            writer.write(Code.nvWrite, endianness: .little)
            writer.write(item, endianness: .little)
            writer.write(Self.padded(data))
            writer.write(UInt16(0), endianness: .little)
        case let .indexedNVRead(item, index):
            writer.write([Code.subsystem, Code.subsystemNV, 0x01, 0x00])
            writer.write(item, endianness: .little)
            writer.write(index, endianness: .little)
            writer.write(Self.padded([]))
            writer.write(UInt16(0), endianness: .little)
        case let .spc(code):
            writer.write(Code.spc, endianness: .little)
            writer.write(Array(code.utf8.prefix(6)) + [UInt8](repeating: 0x30, count: max(0, 6 - code.utf8.count)))
        case .switchToDownload: writer.write(Code.download, endianness: .little)
        case .switchToEmergencyDownload: writer.write([Code.subsystem, Code.subsystemEmergency, 0x01, 0x00])
        }
        return writer.bytes
    }

    /// The request a payload holds, or `nil` for commands termflash does not speak (the
    /// device side answers those with a bad-command reply).
    public static func parse(_ payload: [UInt8]) -> DIAGRequest? {
        var reader = ByteReader(payload)
        guard let code = try? reader.readByte() else { return nil }
        switch code {
        case Code.versionInfo: return .versionInfo
        case Code.diagVersion: return .diagVersion
        case Code.extendedBuildID: return .extendedBuildID
        case Code.download: return .switchToDownload
        case Code.nvRead:
            return (try? reader.read(UInt16.self, endianness: .little)).map { .nvRead(item: $0) }
        case Code.nvWrite:
            guard let item = try? reader.read(UInt16.self, endianness: .little),
                  let data = try? reader.read(count: nvDataSize) else { return nil }
            return .nvWrite(item: item, data: data)
        case Code.spc:
            guard let digits = try? reader.read(count: 6) else { return nil }
            return .spc(String(decoding: digits, as: UTF8.self))
        case Code.subsystem:
            return parseSubsystem(&reader)
        default: return nil
        }
    }

    private static func parseSubsystem(_ reader: inout ByteReader) -> DIAGRequest? {
        guard let subsystem = try? reader.readByte(), let command = try? reader.read(UInt16.self, endianness: .little) else { return nil }
        switch (subsystem, command) {
        case (Code.subsystemEmergency, 1): return .switchToEmergencyDownload
        case (Code.subsystemNV, 1):
            guard let item = try? reader.read(UInt16.self, endianness: .little),
                  let index = try? reader.read(UInt16.self, endianness: .little) else { return nil }
            return .indexedNVRead(item: item, index: index)
        default: return nil
        }
    }

    /// `data` cut or zero-padded to the 128 bytes of an NV item.
    static func padded(_ data: [UInt8]) -> [UInt8] {
        Array(data.prefix(nvDataSize)) + [UInt8](repeating: 0, count: max(0, nvDataSize - data.count))
    }

    /// A short name for logs and `capture show`.
    public var name: String {
        switch self {
        case .versionInfo: return "VERSION-INFO"
        case .diagVersion: return "DIAG-VERSION"
        case .extendedBuildID: return "EXT-BUILD-ID"
        case .nvRead: return "NV-READ"
        case .nvWrite: return "NV-WRITE"
        case .indexedNVRead: return "NV-READ-INDEXED"
        case .spc: return "SPC"
        case .switchToDownload: return "DLOAD"
        case .switchToEmergencyDownload: return "EDL"
        }
    }
}
