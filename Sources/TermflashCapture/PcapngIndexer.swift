import TermflashCore

/// Walks pcapng blocks: section headers (byte order), interface descriptions (link type,
/// time resolution), enhanced and simple packet blocks.
struct PcapngIndexer {
    let file: String
    let bytes: [UInt8]
    private var cursor: CaptureCursor
    private var linkTypes: [UInt16] = []
    private var resolutions: [UInt64] = []  // units per second
    private var snapLengths: [UInt32] = []

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
        cursor = CaptureCursor(file: file, bytes: bytes)
    }

    mutating func index() throws(CaptureError) -> [CaptureRecord] {
        var records: [CaptureRecord] = []
        var offset = 0
        while offset < bytes.count {
            try cursor.require(offset, 12)
            if try cursor.u32(offset) == 0x0A0D_0D0A { try readSectionByteOrder(at: offset) }
            let type = try cursor.u32(offset)
            let length = try cursor.u32(offset + 4)
            guard length >= 12, length % 4 == 0, Int(length) <= bytes.count - offset else {
                throw .badBlockLength(file: file, offset: offset, length: length)
            }
            guard try cursor.u32(offset + Int(length) - 4) == length else {
                throw .badBlockLength(file: file, offset: offset, length: length)
            }
            let body = (offset + 8)..<(offset + Int(length) - 4)
            switch type {
            case 0x0A0D_0D0A: resetInterfaces()
            case 1: try readInterface(body)
            case 6: records.append(try enhancedPacket(body, blockOffset: offset, number: records.count + 1))
            case 3: records.append(try simplePacket(body, blockOffset: offset, number: records.count + 1))
            default: break
            }
            offset += Int(length)
        }
        return records
    }

    private mutating func readSectionByteOrder(at offset: Int) throws(CaptureError) {
        try cursor.require(offset, 12)
        let magic = (UInt32(bytes[offset + 8]), UInt32(bytes[offset + 9]), UInt32(bytes[offset + 10]), UInt32(bytes[offset + 11]))
        switch magic {
        case (0x4D, 0x3C, 0x2B, 0x1A): cursor.endianness = .little
        case (0x1A, 0x2B, 0x3C, 0x4D): cursor.endianness = .big
        default:
            throw .badUSBRecord(file: file, record: 0, offset: offset + 8, reason: "section header has no byte-order magic")
        }
    }

    private mutating func resetInterfaces() {
        linkTypes = []
        resolutions = []
        snapLengths = []
    }

    private mutating func readInterface(_ body: Range<Int>) throws(CaptureError) {
        try cursor.require(body.lowerBound, 8)
        linkTypes.append(try cursor.u16(body.lowerBound))
        snapLengths.append(try cursor.u32(body.lowerBound + 4))
        resolutions.append(try timeResolution(options: (body.lowerBound + 8)..<body.upperBound))
    }

    /// `if_tsresol` (option 9): a power of ten, or of two when bit 7 is set; default microseconds.
    private func timeResolution(options: Range<Int>) throws(CaptureError) -> UInt64 {
        var resolution: UInt64 = 1_000_000
        try forEachOption(options) { code, value in
            guard code == 9, let byte = value.first else { return }
            let exponent = Int(byte & 0x7F)
            guard exponent < 20 else { return }
            resolution = byte & 0x80 != 0 ? (exponent < 63 ? 1 << UInt64(exponent) : resolution) : pow10(exponent)
        }
        return resolution
    }

    private func enhancedPacket(_ body: Range<Int>, blockOffset: Int, number: Int) throws(CaptureError) -> CaptureRecord {
        try cursor.require(body.lowerBound, 20)
        let interface = Int(try cursor.u32(body.lowerBound))
        guard interface < linkTypes.count else {
            throw .badUSBRecord(file: file, record: number, offset: blockOffset, reason: "names interface \(interface), which was never described")
        }
        let stamp = UInt64(try cursor.u32(body.lowerBound + 4)) << 32 | UInt64(try cursor.u32(body.lowerBound + 8))
        let captured = Int(try cursor.u32(body.lowerBound + 12))
        let dataStart = body.lowerBound + 20
        guard captured <= body.upperBound - dataStart else {
            throw .badBlockLength(file: file, offset: blockOffset, length: UInt32(body.count + 12))
        }
        let optionStart = dataStart + (captured + 3) / 4 * 4
        var comment: String?
        if optionStart < body.upperBound {
            try forEachOption(optionStart..<body.upperBound) { code, value in
                if code == 1 { comment = String(decoding: value, as: UTF8.self) }
            }
        }
        return CaptureRecord(number: number, fileOffset: blockOffset,
                             timestampMicroseconds: microseconds(stamp, resolution: resolutions[interface]),
                             linkType: linkTypes[interface], payload: dataStart..<(dataStart + captured), comment: comment)
    }

    private func simplePacket(_ body: Range<Int>, blockOffset: Int, number: Int) throws(CaptureError) -> CaptureRecord {
        guard let linkType = linkTypes.first else {
            throw .badUSBRecord(file: file, record: number, offset: blockOffset, reason: "simple packet before any interface description")
        }
        let original = Int(try cursor.u32(body.lowerBound))
        let captured = min(original, body.count - 4, Int(snapLengths[0] == 0 ? UInt32.max : snapLengths[0]))
        return CaptureRecord(number: number, fileOffset: blockOffset, timestampMicroseconds: 0, linkType: linkType,
                             payload: (body.lowerBound + 4)..<(body.lowerBound + 4 + captured), comment: nil)
    }

    private func forEachOption(_ range: Range<Int>, _ body: (UInt16, ArraySlice<UInt8>) -> Void) throws(CaptureError) {
        var offset = range.lowerBound
        while offset + 4 <= range.upperBound {
            let code = try cursor.u16(offset)
            let length = Int(try cursor.u16(offset + 2))
            if code == 0 { return }
            guard offset + 4 + length <= range.upperBound else {
                throw .badUSBRecord(file: file, record: 0, offset: offset, reason: "option \(code) runs past its block")
            }
            body(code, bytes[(offset + 4)..<(offset + 4 + length)])
            offset += 4 + (length + 3) / 4 * 4
        }
    }
}

/// Converts a time stamp in `resolution` units per second to microseconds.
func microseconds(_ stamp: UInt64, resolution: UInt64) -> UInt64 {
    if resolution == 1_000_000 { return stamp }
    let seconds = stamp / resolution, rest = stamp % resolution
    return seconds &* 1_000_000 &+ rest &* 1_000_000 / resolution
}

private func pow10(_ exponent: Int) -> UInt64 {
    (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 }
}
