/// The receiving side of XMODEM, XMODEM-1K and YMODEM as a sans-I/O state machine, as a
/// boot loader's `loadx` / `loady` behaves: simulators and tests put it opposite the sender.
public struct XModemReceiver {
    /// What the receiver expects.
    public enum Mode: Sendable {
        /// `loadx`: data blocks from 1, the padding kept.
        case xmodem
        /// `loady`: a header block, data, EOT twice, a batch end.
        case ymodem
        /// YMODEM-g: started with `G`, no block acknowledged, the first bad block cancels.
        case ymodemStreaming

        var isYModem: Bool { self != .xmodem }
    }

    /// Bytes to send, after a pause (U-Boot's late `C` after the YMODEM header).
    public struct Reply: Equatable, Sendable {
        public var bytes: [UInt8]
        public var delaySeconds: Double
    }

    public let mode: Mode
    public let check: XModemCheck
    /// How long U-Boot waits before asking for data after the header's ACK.
    public var headerStartDelaySeconds: Double
    /// The bytes received so far (YMODEM: cut to the declared length at the end).
    public private(set) var data: [UInt8] = []
    /// The YMODEM file name and length.
    public private(set) var fileName: String?
    public private(set) var declaredLength: UInt64?
    /// Whether the transfer ended, successfully or by cancel.
    public private(set) var finished = false
    public private(set) var cancelled = false
    /// Blocks rejected (bad check, bad complement).
    public private(set) var rejected = 0

    private var buffer: [UInt8] = []
    /// Where unread bytes start in `buffer`.
    private var head = 0
    private var expected: UInt8
    private var headerDone = false
    private var endsSeen = 0
    private var cancels = 0

    /// A receiver; `check` decides the start request (`C` for CRC, NAK for checksum).
    public init(mode: Mode, check: XModemCheck = .crc16, headerStartDelaySeconds: Double = 0) {
        self.mode = mode
        self.check = check
        self.headerStartDelaySeconds = headerStartDelaySeconds
        expected = mode == .xmodem ? 1 : 0
    }

    /// What the receiver sends to ask for the transfer (again).
    public var startRequest: [UInt8] {
        if mode == .ymodemStreaming { return [XModemByte.streamRequest] }
        return [check == .crc16 ? XModemByte.crcRequest : XModemByte.nak]
    }

    /// Whether any byte of the transfer has arrived.
    public var started: Bool { headerDone || !data.isEmpty || head < buffer.count }

    /// Feeds bytes from the sender; returns the replies.
    public mutating func receive(_ bytes: some Sequence<UInt8>) -> [Reply] {
        var replies: [Reply] = []
        buffer.append(contentsOf: bytes)
        while !finished, head < buffer.count {
            let before = head
            replies += step()
            if head == before { break }  // a block is not complete yet
        }
        if finished || head == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 65536 {
            buffer.removeFirst(head)
            head = 0
        }
        return replies
    }

    /// The sender went quiet: a partial block is dropped and refused.
    public mutating func timedOut() -> [Reply] {
        guard !finished else { return [] }
        let wasPartial = head < buffer.count
        buffer.removeAll()
        head = 0
        if !started { return [Reply(bytes: startRequest, delaySeconds: 0)] }
        return wasPartial ? [Reply(bytes: [XModemByte.nak], delaySeconds: 0)] : []
    }

    private mutating func step() -> [Reply] {
        let first = buffer[head]
        switch first {
        case XModemByte.eot:
            head = buffer.count
            return endOfFile()
        case XModemByte.can:
            head += 1
            cancels += 1
            if cancels >= 2 { finished = true; cancelled = true }
            return []
        case XModemByte.soh, XModemByte.stx:
            cancels = 0
            guard let length = XModemFrame.frameLength(start: first, check: check), buffer.count - head >= length else { return [] }
            let frame = buffer[head..<(head + length)]
            head += length
            return block(frame)
        default:
            head += 1  // noise between blocks
            return []
        }
    }

    private mutating func block(_ frame: ArraySlice<UInt8>) -> [Reply] {
        let number: UInt8, payload: Range<Int>
        do {
            (number, payload) = try XModemFrame.validate(frame, check: check)
        } catch {
            rejected += 1
            if mode == .ymodemStreaming { return cancel() }
            return [Reply(bytes: [XModemByte.nak], delaySeconds: 0)]
        }
        if mode.isYModem, number == 0, !headerDone || endsSeen >= requiredEnds {
            return header(Array(frame[payload]))
        }
        if number == expected {
            data.append(contentsOf: frame[payload])  // the one copy, into the image
            expected &+= 1
            return mode == .ymodemStreaming ? [] : [ack]
        }
        if number == expected &- 1, mode != .ymodemStreaming { return [ack] }  // a repeat after a lost ACK
        return cancel()
    }

    private mutating func cancel() -> [Reply] {
        finished = true
        cancelled = true
        return [Reply(bytes: [XModemByte.can, XModemByte.can], delaySeconds: 0)]
    }

    /// EOTs that end a file: YMODEM refuses the first once; YMODEM-g does not.
    private var requiredEnds: Int { mode == .ymodem ? 2 : 1 }

    private mutating func header(_ bytes: [UInt8]) -> [Reply] {
        let (name, length) = XModemFrame.parseYModemHeader(bytes)
        guard let name else {
            finished = true  // the all-zero block: the batch ends
            return mode == .ymodemStreaming ? [] : [ack]
        }
        if headerDone { return mode == .ymodemStreaming ? [] : [ack] }
        headerDone = true
        fileName = name
        declaredLength = length
        expected = 1
        let start = Reply(bytes: startRequest, delaySeconds: headerStartDelaySeconds)
        return mode == .ymodemStreaming ? [start] : [ack, start]
    }

    private mutating func endOfFile() -> [Reply] {
        guard mode.isYModem else {
            finished = true
            return [ack]
        }
        endsSeen += 1
        if endsSeen < requiredEnds { return [Reply(bytes: [XModemByte.nak], delaySeconds: 0)] }
        if let declaredLength, UInt64(data.count) > declaredLength { data.removeLast(data.count - Int(declaredLength)) }
        return [ack, Reply(bytes: startRequest, delaySeconds: 0)]
    }

    private var ack: Reply { Reply(bytes: [XModemByte.ack], delaySeconds: 0) }
}
