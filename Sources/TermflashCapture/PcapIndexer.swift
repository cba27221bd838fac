import TermflashCore

/// Walks a classic libpcap file: a 24-byte global header, then 16-byte record headers.
struct PcapIndexer {
    let file: String
    let bytes: [UInt8]

    func index() throws(CaptureError) -> [CaptureRecord] {
        var cursor = CaptureCursor(file: file, bytes: bytes)
        let magic = try cursor.u32(0)
        if magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1 { cursor.endianness = .big }
        let nanoseconds = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
        try cursor.require(0, 24)
        let linkType = UInt16(truncatingIfNeeded: try cursor.u32(20))
        var records: [CaptureRecord] = []
        var offset = 24
        while offset < bytes.count {
            try cursor.require(offset, 16)
            let seconds = UInt64(try cursor.u32(offset))
            let fraction = UInt64(try cursor.u32(offset + 4))
            let captured = Int(try cursor.u32(offset + 8))
            guard captured <= bytes.count - offset - 16 else {
                throw .truncated(file: file, offset: offset + 16, needed: captured, available: bytes.count - offset - 16)
            }
            records.append(CaptureRecord(
                number: records.count + 1, fileOffset: offset,
                timestampMicroseconds: seconds * 1_000_000 + (nanoseconds ? fraction / 1000 : fraction),
                linkType: linkType, payload: (offset + 16)..<(offset + 16 + captured), comment: nil))
            offset += 16 + captured
        }
        return records
    }
}
