import TermflashCore
import TermflashCrypto
import TermflashProtocols

/// One `loadx`/`loady` transfer inside a console capture: the sender's blocks and the
/// receiver's answers, until the answer to the last block (XMODEM: EOT; YMODEM: the
/// all-zero header that ends the batch) or two CANs.
struct UBootTransferDecoder {
    typealias Emit = (String, [DecodedMessage.Field]) -> Void

    /// What the sender sent last, so the receiver's answer can name it.
    private enum Sent {
        case nothing, header, block(number: Int, length: Int), endOfFile, batchEnd, cancel

        var name: String {
            switch self {
            case .nothing: return "nothing"
            case .header: return "header"
            case let .block(number, _): return "block-\(number)"
            case .endOfFile: return "eot"
            case .batchEnd: return "batch-end"
            case .cancel: return "cancel"
            }
        }
    }

    let ymodem: Bool
    private(set) var isOver = false
    private var check: XModemCheck?
    private var pending: [UInt8] = []
    private var sent: Sent = .nothing
    private var expectedNumber = 1
    private var offset = 0
    private var blocks = 0, naks = 0, hostCancels = 0, deviceCancels = 0

    init(ymodem: Bool) {
        self.ymodem = ymodem
    }

    // MARK: Sender

    mutating func hostBytes(_ bytes: [UInt8], emit: Emit) {
        pending += bytes
        while let first = pending.first {
            switch first {
            case XModemByte.soh, XModemByte.stx:
                guard let length = XModemFrame.frameLength(start: first, check: check ?? .crc16), pending.count >= length else { return }
                let frame = Array(pending.prefix(length))
                pending.removeFirst(length)
                block(frame, emit: emit)
            case XModemByte.eot:
                pending.removeFirst()
                sent = .endOfFile
                emit("EOT", [])
            case XModemByte.can:
                pending.removeFirst()
                hostCancels += 1
                sent = .cancel
                emit("CAN", [])
                if hostCancels >= 2 { finish(emit: emit) }
            default:
                pending.removeFirst()  // noise between blocks
            }
        }
    }

    /// A block the capture kept only as its length and SHA-256.
    mutating func hashedBlock(length: Int, sha256: [UInt8], emit: Emit) {
        let size = length - 3 - (length == 1029 || length == 133 ? 2 : 1)
        sent = .block(number: expectedNumber & 0xFF, length: size)
        blocks += 1
        emit("BLOCK", [.init("n", String(expectedNumber & 0xFF)), .init("offset", String(offset)), .init("length", String(size)),
                       .init("check", "not-recorded"), .init("sha256", String(sha256.hexString.prefix(16)))])
    }

    private mutating func block(_ frame: [UInt8], emit: Emit) {
        let number = Int(frame[1])
        let decoded: XModemFrame.Block
        do {
            decoded = try XModemFrame.decode(frame, check: check ?? .crc16)
        } catch {
            sent = .block(number: number, length: frame.count)
            emit("BLOCK", [.init("n", String(number)), .init("length", String(frame.count)), .init("check", "bad"),
                           .init("error", Self.name(of: error))])
            return
        }
        if ymodem, number == 0, expectsHeader { return header(decoded.data, emit: emit) }
        sent = .block(number: number, length: decoded.data.count)
        blocks += 1
        emit("BLOCK", [.init("n", String(number)), .init("offset", String(offset)), .init("length", String(decoded.data.count)),
                       .init("check", (check == .checksum ? "sum" : "crc") + "-ok")])
    }

    private static func name(of failure: XModemFrame.DecodeFailure) -> String {
        switch failure {
        case .badStart: return "bad-start"
        case .badComplement: return "bad-complement"
        case let .badCheck(_, expected, _): return expected.count == 1 ? "sum-mismatch" : "crc-mismatch"
        }
    }

    /// YMODEM block 0 is a header before the first data block and after the end of a file;
    /// between data blocks it is block 256, 512 … (the number wraps).
    private var expectsHeader: Bool {
        switch sent {
        case .nothing, .header, .endOfFile, .batchEnd: return true
        case .block, .cancel: return false
        }
    }

    private mutating func header(_ data: [UInt8], emit: Emit) {
        let (name, size) = XModemFrame.parseYModemHeader(data)
        guard let name else {
            sent = .batchEnd
            return emit("BATCH-END", [])
        }
        sent = .header
        emit("HEADER", [.init("file", name.replacingSpaces()), .init("size", size.map(String.init) ?? "unknown")])
    }

    // MARK: Receiver

    /// The receiver's bytes; returns where the console's text resumes (after the transfer).
    mutating func deviceBytes(_ bytes: ArraySlice<UInt8>, emit: Emit) -> Int {
        for index in bytes.indices {
            answer(bytes[index], emit: emit)
            if isOver { return index + 1 }
        }
        return bytes.endIndex
    }

    private mutating func answer(_ byte: UInt8, emit: Emit) {
        switch byte {
        case XModemByte.crcRequest:
            if check == nil { check = .crc16 }
            emit("C", [.init("request", "crc")])
        case XModemByte.streamRequest:
            if check == nil { check = .crc16 }
            emit("G", [.init("request", "streaming")])
        case XModemByte.nak where check == nil:
            check = .checksum
            emit("NAK", [.init("request", "checksum")])
        case XModemByte.nak:
            naks += 1
            emit("NAK", [.init("for", sent.name)])
        case XModemByte.ack:
            acknowledge(emit: emit)
        case XModemByte.can:
            deviceCancels += 1
            emit("CAN", [])
            if deviceCancels >= 2 { finish(emit: emit) }
        default:
            break  // line noise
        }
    }

    private mutating func acknowledge(emit: Emit) {
        emit("ACK", [.init("for", sent.name)])
        switch sent {
        case let .block(number, length) where number == expectedNumber & 0xFF:
            expectedNumber += 1
            offset += length
        case .endOfFile where !ymodem, .batchEnd:
            finish(emit: emit)
        default:
            break
        }
    }

    private mutating func finish(emit: Emit) {
        isOver = true
        emit("TRANSFER-END", [.init("protocol", ymodem ? "ymodem" : "xmodem"), .init("blocks", String(blocks)),
                              .init("bytes", String(offset)), .init("naks", String(naks)),
                              .init("cancelled", String(hostCancels >= 2 || deviceCancels >= 2))])
    }
}
