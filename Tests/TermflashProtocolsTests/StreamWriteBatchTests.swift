import TermflashCore
@testable import TermflashProtocols
import XCTest

/// A window of stream writes framed into one reused buffer is byte for byte the packets
/// framed one at a time.
final class StreamWriteBatchTests: XCTestCase {
    func testABatchIsTheSamePacketsFramedOneByOne() {
        var generator = SplitMix64(seed: 61)
        var batch = StreamWriteBatch(blockSize: 1024, window: 8)
        for (address, length) in [(UInt32(0), 8 * 1024), (0x7E7D_0000, 3 * 1024 + 17), (0xFFFF_FC00, 1), (0x0000_7E00, 2048)] {
            let chunk = (0..<length).map { _ in [0x7E, 0x7D, UInt8(truncatingIfNeeded: generator.next())][Int(generator.next() % 3)] }
            let packets = batch.frame(chunk, at: address)
            var expected: [UInt8] = []
            var offset = 0
            while offset < chunk.count {
                let count = min(1024, chunk.count - offset)
                let packet = StreamingDLoadPacket.streamWrite(address: address &+ UInt32(offset), data: Array(chunk[offset..<(offset + count)]))
                expected += HDLCEncoder.frame(packet.payload, leadingFlag: true)
                offset += count
            }
            XCTAssertEqual(batch.frames, expected, "chunk of \(length) at 0x\(String(address, radix: 16))")
            XCTAssertEqual(packets.map(\.count), stride(from: 0, to: length, by: 1024).map { min(1024, length - $0) })
            XCTAssertEqual(packets.map(\.address), stride(from: 0, to: length, by: 1024).map { address &+ UInt32($0) })
        }
    }
}
