import TermflashCore

/// A small, valid ELF32 file standing in for a Firehose programmer: the simulated boot ROM
/// parses it as a real one would (header, program headers, loadable segments), so the host's
/// READ_DATA serving is exercised without shipping a vendor binary.
public enum EDLProgrammerImage {
    /// A deterministic ELF of roughly `segmentBytes × 2` bytes.
    public static func make(seed: UInt64 = 0x5A4E_5445, segmentBytes: Int = 48 * 1024) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        let headerSize = 52, phdrSize = 32, phdrCount = 3
        let firstSegment = 0x1000
        let secondSegment = firstSegment + segmentBytes + 0x100
        var header = ByteWriter()
        header.write([0x7F, 0x45, 0x4C, 0x46, 1, 1, 1, 0] + [UInt8](repeating: 0, count: 8))
        header.write(UInt16(2), endianness: .little)            // e_type EXEC
        header.write(UInt16(0x28), endianness: .little)         // e_machine ARM
        header.write(UInt32(1), endianness: .little)            // e_version
        header.write(UInt32(0x0800_0000), endianness: .little)  // e_entry
        header.write(UInt32(headerSize), endianness: .little)   // e_phoff
        header.write(UInt32(0), endianness: .little)            // e_shoff
        header.write(UInt32(0x0500_0000), endianness: .little)  // e_flags
        header.write(UInt16(headerSize), endianness: .little)
        header.write(UInt16(phdrSize), endianness: .little)
        header.write(UInt16(phdrCount), endianness: .little)
        header.write(UInt16(40), endianness: .little)
        header.write(UInt16(0), endianness: .little)
        header.write(UInt16(0), endianness: .little)
        let segments: [(type: UInt32, offset: Int, size: Int)] = [
            (1, firstSegment, segmentBytes), (4, 0, 0), (1, secondSegment, segmentBytes / 2),
        ]
        for segment in segments {
            for value in [segment.type, UInt32(segment.offset), UInt32(0x0800_0000 + segment.offset), UInt32(0x0800_0000 + segment.offset),
                          UInt32(segment.size), UInt32(segment.size), UInt32(5), UInt32(0x1000)] {
                header.write(value, endianness: .little)
            }
        }
        var image = header.bytes + [UInt8](repeating: 0, count: firstSegment - header.bytes.count)
        image += (0..<segmentBytes).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        image += [UInt8](repeating: 0xEE, count: secondSegment - image.count)
        image += (0..<(segmentBytes / 2)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        return image
    }
}
