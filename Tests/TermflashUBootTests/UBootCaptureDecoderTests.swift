import TermflashCapture
import TermflashProtocols
import XCTest

/// The console capture decoder on transfers the recordings do not show: a damaged block
/// and its NAK, a checksum-mode XMODEM, and a cancel.
final class UBootCaptureDecoderTests: XCTestCase {
    func testNAKedBlockIsResentAndACancelEndsTheTransfer() {
        var decoder = UBootCaptureDecoder()
        var lines: [String] = []
        func device(_ text: [UInt8]) { lines += decoder.decode(text, direction: .deviceToHost, time: 0, record: 0).map(\.line) }
        func host(_ bytes: [UInt8]) { lines += decoder.decode(bytes, direction: .hostToDevice, time: 0, record: 0).map(\.line) }
        host(Array("loadx 0x40200000\n".utf8))
        device(Array("loadx 0x40200000\r\n## Ready for binary (xmodem) download to 0x40200000 at 115200 bps...\r\n".utf8) + [XModemByte.nak])
        let data = [UInt8](repeating: 0x41, count: 128)
        var damaged = XModemFrame.encode(number: 1, data: data, blockSize: 128, check: .checksum)
        damaged[40] ^= 0xFF
        let good = XModemFrame.encode(number: 1, data: data, blockSize: 128, check: .checksum)
        host(Array(damaged.prefix(60)))  // a block split across reads
        host(Array(damaged.dropFirst(60)))
        device([XModemByte.nak])
        host(good)
        device([XModemByte.ack])
        host(XModemFrame.encode(number: 2, data: data, blockSize: 128, check: .checksum))
        device([XModemByte.can, XModemByte.can] + Array("\r\n## Binary (xmodem) download aborted\r\n=> ".utf8))
        host(Array("version\n".utf8))
        XCTAssertEqual(lines, [
            "0.000000 OUT uboot loadx 0x40200000",
            "0.000000 IN uboot loadx 0x40200000",
            "0.000000 IN uboot ## Ready for binary (xmodem) download to 0x40200000 at 115200 bps...",
            "0.000000 IN uboot NAK request=checksum",
            "0.000000 OUT uboot BLOCK n=1 length=132 check=bad error=sum-mismatch",
            "0.000000 IN uboot NAK for=block-1",
            "0.000000 OUT uboot BLOCK n=1 offset=0 length=128 check=sum-ok",
            "0.000000 IN uboot ACK for=block-1",
            "0.000000 OUT uboot BLOCK n=2 offset=128 length=128 check=sum-ok",
            "0.000000 IN uboot CAN",
            "0.000000 IN uboot CAN",
            "0.000000 IN uboot TRANSFER-END protocol=xmodem blocks=2 bytes=128 naks=1 cancelled=true",
            "0.000000 IN uboot ## Binary (xmodem) download aborted result=error",
            "0.000000 IN uboot => prompt=yes",
            "0.000000 OUT uboot version",
        ])
    }
}
