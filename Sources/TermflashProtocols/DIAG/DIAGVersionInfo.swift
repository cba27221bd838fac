import TermflashCore

/// The DIAG 0x00 version-information reply. Layout (PROTOCOLS.md B4): cmd, comp_date[11],
/// comp_time[8], rel_date[11], rel_time[8], ver_dir[8], scm u8, cai_rev u8, model u8,
/// fw_rev u16 LE, slot_cycle_index u8, hw_maj u8, hw_min u8 (55 bytes).
public struct DIAGVersionInfo: Sendable, Equatable, Codable {
    public var compileDate: String
    public var compileTime: String
    public var releaseDate: String
    public var releaseTime: String
    public var versionDirectory: String
    public var stationClassMark: UInt8
    public var caiRevision: UInt8
    public var model: UInt8
    public var firmwareRevision: UInt16
    public var slotCycleIndex: UInt8
    public var hardwareMajor: UInt8
    public var hardwareMinor: UInt8

    /// The reply's length in bytes.
    public static let length = 55

    /// A version reply's fields.
    public init(compileDate: String, compileTime: String, releaseDate: String, releaseTime: String, versionDirectory: String,
                stationClassMark: UInt8 = 0, caiRevision: UInt8 = 0, model: UInt8 = 0, firmwareRevision: UInt16 = 0,
                slotCycleIndex: UInt8 = 0, hardwareMajor: UInt8 = 0, hardwareMinor: UInt8 = 0) {
        self.compileDate = compileDate
        self.compileTime = compileTime
        self.releaseDate = releaseDate
        self.releaseTime = releaseTime
        self.versionDirectory = versionDirectory
        self.stationClassMark = stationClassMark
        self.caiRevision = caiRevision
        self.model = model
        self.firmwareRevision = firmwareRevision
        self.slotCycleIndex = slotCycleIndex
        self.hardwareMajor = hardwareMajor
        self.hardwareMinor = hardwareMinor
    }

    /// Decodes a 0x00 reply.
    public init(_ payload: [UInt8]) throws(DIAGError) {
        guard payload.count >= Self.length else { throw .truncated(command: "VERSION-INFO", needed: Self.length, got: payload.count) }
        var reader = ByteReader(payload, offset: 1)
        do {
            compileDate = fixedString(try reader.read(count: 11))
            compileTime = fixedString(try reader.read(count: 8))
            releaseDate = fixedString(try reader.read(count: 11))
            releaseTime = fixedString(try reader.read(count: 8))
            versionDirectory = fixedString(try reader.read(count: 8))
            stationClassMark = try reader.readByte()
            caiRevision = try reader.readByte()
            model = try reader.readByte()
            firmwareRevision = try reader.read(UInt16.self, endianness: .little)
            slotCycleIndex = try reader.readByte()
            hardwareMajor = try reader.readByte()
            hardwareMinor = try reader.readByte()
        } catch {
            throw .truncated(command: "VERSION-INFO", needed: Self.length, got: payload.count)
        }
    }

    /// The reply bytes.
    public var payload: [UInt8] {
        var writer = ByteWriter()
        writer.write(DIAGRequest.Code.versionInfo, endianness: .little)
        writer.write(fixedField(compileDate, 11))
        writer.write(fixedField(compileTime, 8))
        writer.write(fixedField(releaseDate, 11))
        writer.write(fixedField(releaseTime, 8))
        writer.write(fixedField(versionDirectory, 8))
        writer.write([stationClassMark, caiRevision, model])
        writer.write(firmwareRevision, endianness: .little)
        writer.write([slotCycleIndex, hardwareMajor, hardwareMinor])
        return writer.bytes
    }
}

/// The DIAG 0x7C extended-build-id reply.
public struct DIAGExtendedBuildID: Sendable, Equatable, Codable {
    /// The MSM hardware version (chip id and revision).
    public var msmHardwareVersion: UInt32
    /// The manufacturer's model number.
    public var mobileModelID: UInt32
    /// The firmware build id (e.g. `MPSS.DI.2.0-00123`).
    public var buildID: String
    /// The model string, often empty.
    public var modelString: String

    /// A build id.
    public init(msmHardwareVersion: UInt32, mobileModelID: UInt32, buildID: String, modelString: String) {
        self.msmHardwareVersion = msmHardwareVersion
        self.mobileModelID = mobileModelID
        self.buildID = buildID
        self.modelString = modelString
    }

    /// Decodes a 0x7C reply; strings missing at the end read as empty.
    public init(_ payload: [UInt8]) throws(DIAGError) {
        guard payload.count >= 12 else { throw .truncated(command: "EXT-BUILD-ID", needed: 12, got: payload.count) }
        var reader = ByteReader(payload, offset: 4)
        do {
            msmHardwareVersion = try reader.read(UInt32.self, endianness: .little)
            mobileModelID = try reader.read(UInt32.self, endianness: .little)
        } catch {
            throw .truncated(command: "EXT-BUILD-ID", needed: 12, got: payload.count)
        }
        let strings = payload[12...].split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        buildID = strings.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        modelString = strings.count > 1 ? String(decoding: strings[1], as: UTF8.self) : ""
    }

    /// The reply bytes.
    public var payload: [UInt8] {
        var writer = ByteWriter()
        writer.write([DIAGRequest.Code.extendedBuildID, 0, 0, 0])
        writer.write(msmHardwareVersion, endianness: .little)
        writer.write(mobileModelID, endianness: .little)
        writer.write(Array(buildID.utf8) + [0] + Array(modelString.utf8) + [0])
        return writer.bytes
    }
}

/// A fixed-width ASCII field without its trailing NULs and spaces.
func fixedString(_ bytes: [UInt8]) -> String {
    let text = bytes.prefix { $0 != 0 }
    return String(decoding: text, as: UTF8.self).trimmingCharacters(in: " ")
}

/// `text` cut or NUL-padded to `width` bytes.
func fixedField(_ text: String, _ width: Int) -> [UInt8] {
    let bytes = Array(text.utf8.prefix(width))
    return bytes + [UInt8](repeating: 0, count: width - bytes.count)
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var slice = Substring(self)
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}
