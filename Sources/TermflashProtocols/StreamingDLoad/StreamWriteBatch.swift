/// Frames a run of stream-write packets (0x07, address, data) into one buffer it reuses, so
/// a window of writes costs one transport write and no allocation per packet.
struct StreamWriteBatch {
    let blockSize: Int
    /// The framed packets of the last ``frame(_:at:)``, leading flags included.
    private(set) var frames: [UInt8] = []
    private var payload: [UInt8] = []

    init(blockSize: Int, window: Int) {
        self.blockSize = blockSize
        frames.reserveCapacity(window * HDLCEncoder.maximumFramedCount(payloadCount: blockSize + 5))
        payload.reserveCapacity(blockSize + 5)
    }

    /// Frames `chunk` as packets of at most `blockSize` bytes starting at `address`;
    /// returns each packet's address and data length.
    mutating func frame(_ chunk: [UInt8], at address: UInt32) -> [(address: UInt32, count: Int)] {
        frames.removeAll(keepingCapacity: true)
        var packets: [(address: UInt32, count: Int)] = []
        var offset = 0
        while offset < chunk.count {
            let count = min(blockSize, chunk.count - offset)
            let packetAddress = address &+ UInt32(truncatingIfNeeded: offset)
            payload.removeAll(keepingCapacity: true)
            payload.append(StreamingDLoadPacket.streamWrite(address: 0, data: []).code)
            withUnsafeBytes(of: packetAddress.littleEndian) { payload.append(contentsOf: $0) }
            payload.append(contentsOf: chunk[offset..<(offset + count)])
            payload.withUnsafeBufferPointer { HDLCEncoder.append($0, leadingFlag: true, to: &frames) }
            packets.append((packetAddress, count))
            offset += count
        }
        return packets
    }
}
