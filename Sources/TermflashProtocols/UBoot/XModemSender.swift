import TermflashCore

/// Which upload protocol a sender speaks.
public enum XModemVariant: String, Sendable, Codable, CaseIterable {
    /// 128-byte blocks, checksum or CRC as the receiver asks (`loadx`).
    case xmodem
    /// 1024-byte blocks with CRC (`loadx` accepts them too).
    case xmodem1K = "xmodem-1k"
    /// YMODEM: a header block with name and length, 1024-byte blocks, a batch end (`loady`).
    case ymodem

    /// The data block size.
    var blockSize: Int { self == .xmodem ? 128 : 1024 }
}

/// Why an upload stopped.
public enum XModemError: Error, Equatable, CustomStringConvertible {
    /// The receiver never asked for the transfer to start (no `C` or NAK).
    case noStart(waitedSeconds: Double)
    /// A block was rejected or unanswered too often.
    case tooManyRetries(block: Int, offset: UInt64, attempts: Int, lastAnswer: String)
    /// The receiver cancelled (two CAN bytes).
    case cancelledByReceiver(offset: UInt64)
    /// The image could not be read.
    case source(offset: UInt64, reason: String)

    public var description: String {
        switch self {
        case let .noStart(waited):
            return "the receiver did not ask for the upload to start (no 'C' or NAK) within \(waited) s"
        case let .tooManyRetries(block, offset, attempts, answer):
            return "block \(block) (image byte \(offset)) was not acknowledged after \(attempts) attempts; last answer: \(answer)"
        case let .cancelledByReceiver(offset):
            return "the receiver cancelled the upload after \(offset) acknowledged bytes"
        case let .source(offset, reason):
            return "the image cannot be read at byte \(offset): \(reason)"
        }
    }
}

/// The sending side of XMODEM, XMODEM-1K and YMODEM as a sans-I/O state machine: feed it
/// every byte the receiver sends and every timeout, and send what it returns.
///
/// Tolerant of real receivers: text before the start request is ignored, a `C` that comes
/// seconds after the YMODEM header's ACK (U-Boot) is waited for, stray `C`s while a block
/// is outstanding are ignored, and two CANs end the transfer.
public struct XModemSender {
    /// Where the transfer stands.
    public enum Phase: Equatable, Sendable {
        case awaitingStart, awaitingHeaderAck, awaitingDataStart, awaitingBlockAck, awaitingEndAck
        case awaitingBatchStart, awaitingBatchAck, finished
        /// YMODEM-g: data blocks go out back to back (``nextStreamedBlock()``), unacknowledged.
        case streaming
    }

    public let variant: XModemVariant
    /// The YMODEM file name.
    public let fileName: String
    /// How often one block is sent before the transfer fails.
    public var maxAttempts = 10
    public private(set) var phase: Phase = .awaitingStart
    /// Bytes of the image the receiver has acknowledged.
    public private(set) var acknowledged: UInt64 = 0
    /// Blocks sent again after a NAK or a timeout.
    public private(set) var resends = 0
    public private(set) var check: XModemCheck = .crc16
    /// Whether the receiver asked for YMODEM-g (`G`): no block is acknowledged, the first
    /// error cancels the transfer. Only for error-free links.
    public private(set) var isStreaming = false

    private let source: ByteSource
    private var blockNumber: UInt8 = 1
    private var outstanding: [UInt8] = []
    private var outstandingLength = 0
    private var attempts = 0
    private var cancels = 0
    private var lastAnswer = "none"
    /// The block after the outstanding one, encoded while its ACK is awaited.
    private var prepared: (offset: UInt64, number: UInt8, frame: [UInt8], length: Int)?

    /// A sender of `source`.
    public init(variant: XModemVariant, source: ByteSource, fileName: String = "image.bin") {
        self.variant = variant
        self.source = source
        self.fileName = fileName
    }

    /// The bytes to send to stop a transfer: CAN three times.
    public static let cancelSequence: [UInt8] = [XModemByte.can, XModemByte.can, XModemByte.can]

    /// The total length being sent.
    public var total: UInt64 { source.count }

    /// How long to wait for the receiver's next byte in the current phase.
    public var timeoutSeconds: Double {
        switch phase {
        case .awaitingStart: return 60
        case .awaitingDataStart: return 15  // U-Boot's `C` comes about 4.25 s after the header's ACK
        case .awaitingHeaderAck, .awaitingBlockAck, .awaitingEndAck, .awaitingBatchAck: return 10
        case .awaitingBatchStart: return 10
        case .finished, .streaming: return 0
        }
    }

    /// Handles bytes from the receiver; returns what to send.
    public mutating func receive(_ bytes: some Sequence<UInt8>) throws(XModemError) -> [UInt8] {
        var output: [UInt8] = []
        for byte in bytes where phase != .finished {
            output += try receive(byte)
        }
        return output
    }

    /// Handles one byte from the receiver; returns what to send.
    public mutating func receive(_ byte: UInt8) throws(XModemError) -> [UInt8] {
        if byte == XModemByte.can {
            cancels += 1
            if cancels >= 2 { throw .cancelledByReceiver(offset: acknowledged) }
            return []
        }
        cancels = 0
        switch (phase, byte) {
        case (.awaitingStart, XModemByte.streamRequest) where variant == .ymodem:
            isStreaming = true
            phase = .awaitingDataStart
            return XModemFrame.ymodemHeader(name: fileName, length: source.count, check: .crc16)
        case (.awaitingDataStart, XModemByte.streamRequest) where isStreaming:
            phase = .streaming
            return []
        case (.awaitingBatchStart, XModemByte.streamRequest) where isStreaming:
            phase = .finished
            return XModemFrame.ymodemHeader(name: "", length: 0, check: .crc16)
        case (.awaitingStart, XModemByte.crcRequest), (.awaitingStart, XModemByte.nak):
            check = byte == XModemByte.nak ? .checksum : .crc16
            return try beginTransfer()
        case (.awaitingHeaderAck, XModemByte.ack):
            phase = .awaitingDataStart
            return []
        case (.awaitingDataStart, XModemByte.crcRequest), (.awaitingDataStart, XModemByte.nak):
            return try sendNextBlock()
        case (.awaitingBlockAck, XModemByte.ack):
            acknowledged += UInt64(outstandingLength)
            blockNumber &+= 1
            return try sendNextBlock()
        case (.awaitingEndAck, XModemByte.ack):
            return finishFile()
        case (.awaitingBatchStart, XModemByte.crcRequest), (.awaitingBatchStart, XModemByte.nak):
            return sendOutstanding(XModemFrame.ymodemHeader(name: "", length: 0, check: check), phase: .awaitingBatchAck)
        case (.awaitingBatchAck, XModemByte.ack):
            phase = .finished
            return []
        case (.awaitingHeaderAck, XModemByte.nak), (.awaitingBlockAck, XModemByte.nak),
             (.awaitingEndAck, XModemByte.nak), (.awaitingBatchAck, XModemByte.nak):
            lastAnswer = "NAK"
            return try resend()
        default:
            return []  // console text, a duplicate `C`, line noise
        }
    }

    /// YMODEM-g: the next data block (counted as delivered), or EOT after the last.
    public mutating func nextStreamedBlock() throws(XModemError) -> [UInt8] {
        precondition(phase == .streaming, "blocks are pulled only while streaming")
        acknowledged += UInt64(outstandingLength)
        if outstandingLength > 0 { blockNumber &+= 1 }
        let frame = try sendNextBlock()
        if frame != [XModemByte.eot] { phase = .streaming }
        return frame
    }

    /// Encodes the block that follows the outstanding one, so that the ACK is answered with
    /// bytes already made; call it while waiting for the receiver. Nothing is sent or counted,
    /// and a NAK (which resends the outstanding block) leaves it for later.
    public mutating func prepareNextBlock() {
        guard phase == .awaitingBlockAck, prepared == nil else { return }
        let offset = acknowledged + UInt64(outstandingLength)
        guard offset < source.count, let next = try? encodeBlock(at: offset, number: blockNumber &+ 1) else { return }
        prepared = (offset, blockNumber &+ 1, next.frame, next.length)
    }

    /// Handles a timeout of ``timeoutSeconds``; returns what to send.
    public mutating func timedOut() throws(XModemError) -> [UInt8] {
        switch phase {
        case .awaitingStart:
            throw .noStart(waitedSeconds: timeoutSeconds)
        case .awaitingDataStart:
            return try sendNextBlock()  // no `C` came: carry on as if it had
        case .awaitingBatchStart:
            return sendOutstanding(XModemFrame.ymodemHeader(name: "", length: 0, check: check), phase: .awaitingBatchAck)
        case .awaitingBatchAck where attempts >= 2:
            phase = .finished  // the file is complete; some receivers never answer the batch end
            return []
        case .finished, .streaming:
            return []
        default:
            lastAnswer = "timeout"
            return try resend()
        }
    }

    private mutating func beginTransfer() throws(XModemError) -> [UInt8] {
        guard variant == .ymodem else { return try sendNextBlock() }
        return sendOutstanding(XModemFrame.ymodemHeader(name: fileName, length: source.count, check: check),
                               phase: .awaitingHeaderAck)
    }

    private mutating func sendNextBlock() throws(XModemError) -> [UInt8] {
        if isStreaming, phase == .awaitingDataStart { phase = .streaming; return [] }
        guard source.count > acknowledged else {
            outstandingLength = 0
            return sendOutstanding([XModemByte.eot], phase: .awaitingEndAck)
        }
        let next: (frame: [UInt8], length: Int)
        if let prepared, prepared.offset == acknowledged, prepared.number == blockNumber {
            next = (prepared.frame, prepared.length)
        } else {
            next = try encodeBlock(at: acknowledged, number: blockNumber)
        }
        prepared = nil
        outstandingLength = next.length
        return sendOutstanding(next.frame, phase: .awaitingBlockAck)
    }

    /// The block carrying the image from `offset`: 1 KiB, or 128 bytes for a short tail or
    /// a checksum receiver.
    private func encodeBlock(at offset: UInt64, number: UInt8) throws(XModemError) -> (frame: [UInt8], length: Int) {
        let remaining = source.count - offset
        let size = variant.blockSize == 1024 && (remaining <= 128 || check == .checksum) ? 128 : variant.blockSize
        let data: [UInt8]
        do {
            data = try source.read(offset: offset, length: min(size, Int(remaining)))
        } catch {
            throw .source(offset: offset, reason: "\(error)")
        }
        guard !data.isEmpty else { throw .source(offset: offset, reason: "the image ended early") }
        return (XModemFrame.encode(number: number, data: data, blockSize: size, check: check), data.count)
    }

    private mutating func finishFile() -> [UInt8] {
        guard variant == .ymodem else {
            phase = .finished
            return []
        }
        attempts = 0
        phase = .awaitingBatchStart
        return []
    }

    private mutating func sendOutstanding(_ frame: [UInt8], phase next: Phase) -> [UInt8] {
        outstanding = frame
        attempts = 1
        phase = next
        return frame
    }

    private mutating func resend() throws(XModemError) -> [UInt8] {
        guard attempts < maxAttempts else {
            throw .tooManyRetries(block: Int(blockNumber), offset: acknowledged, attempts: attempts, lastAnswer: lastAnswer)
        }
        attempts += 1
        resends += 1
        return outstanding
    }
}

/// Runs an ``XModemSender`` over a transport.
public enum XModemTransfer {
    /// What an upload ended with.
    public struct Outcome {
        public var sender: XModemSender
        /// Bytes the receiver sent after the transfer ended (the console's next output).
        public var leftover: [UInt8]
    }

    /// Sends `source`; `pending` holds receiver bytes already read (the start `C` often
    /// arrives with the receiver's "Ready" line). On failure the receiver is sent CANs.
    public static func send(_ source: ByteSource, variant: XModemVariant, fileName: String = "image.bin",
                            over transport: Transport, pending: [UInt8] = [],
                            progress: ProgressSink? = nil) throws -> Outcome {
        var sender = XModemSender(variant: variant, source: source, fileName: fileName)
        var leftover: [UInt8] = []
        do {
            var input = pending
            while sender.phase != .finished {
                let before = sender.acknowledged
                var reply: [UInt8] = []
                if input.isEmpty {
                    do {
                        input = try transport.read(maxLength: 64, deadline: .after(seconds: sender.timeoutSeconds))
                    } catch TransportError.timedOut {
                        reply = try sender.timedOut()
                    }
                }
                var consumed = 0
                for byte in input where sender.phase != .finished {
                    reply += try sender.receive(byte)
                    consumed += 1
                }
                if sender.phase == .finished { leftover = Array(input[consumed...]) }
                input.removeAll()
                try transmit(reply, over: transport)
                sender.prepareNextBlock()  // while the receiver checks the block just sent
                if sender.phase == .streaming { try stream(&sender, over: transport, progress: progress) }
                if sender.acknowledged != before { progress?(sender.acknowledged, sender.total) }
            }
        } catch let error as XModemError {
            if error != .cancelledByReceiver(offset: sender.acknowledged) {
                try? transport.write(XModemSender.cancelSequence, deadline: .after(seconds: 1))
            }
            throw error
        }
        return Outcome(sender: sender, leftover: leftover)
    }

    /// YMODEM-g: every block back to back, watching for the receiver's CANs in between.
    private static func stream(_ sender: inout XModemSender, over transport: Transport, progress: ProgressSink?) throws {
        var batch: [UInt8] = []
        while sender.phase == .streaming {
            batch += try sender.nextStreamedBlock()
            guard batch.count >= 64 * 1029 || sender.phase != .streaming else { continue }
            try transmit(batch, over: transport)  // 64 blocks (64 KiB) a write: fewer wake-ups on both sides
            batch.removeAll(keepingCapacity: true)
            progress?(sender.acknowledged, sender.total)
            if let answer = try? transport.read(maxLength: 64, deadline: .now) { _ = try sender.receive(answer) }
        }
    }

    private static func transmit(_ bytes: [UInt8], over transport: Transport) throws {
        guard !bytes.isEmpty else { return }
        try transport.write(bytes, deadline: .after(seconds: 10))
    }
}
