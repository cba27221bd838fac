import TermflashCore

/// The host side of Streaming DLOAD (the NAND programmer's protocol): hello, security mode,
/// partition table, open multi-image, windowed stream writes, close, reset. Log packets the
/// device sends are kept in ``deviceLog`` and attached to errors. PROTOCOLS.md B3.
public final class StreamingDLoadSession {
    public let link: HDLCLink
    /// The device's hello reply, once ``hello()`` ran.
    public private(set) var device: StreamingHelloReply?
    /// Log lines the device sent.
    public private(set) var deviceLog: [String] = []
    /// Largest payload per stream write (the device's preferred block size once known).
    public var blockSize: Int = 1024

    /// A session on `transport`.
    public init(transport: Transport, timeoutMilliseconds: Int = 5_000) {
        link = HDLCLink(transport: transport, leadingFlag: true, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Sends one packet without waiting.
    public func send(_ packet: StreamingDLoadPacket) throws(StreamingDLoadError) {
        do { try link.send(packet.payload, what: packet.name) } catch { throw .link(error) }
    }

    /// The next packet that is not a log line; an ERROR packet throws with the log.
    public func receive(answering command: String) throws(StreamingDLoadError) -> StreamingDLoadPacket {
        while true {
            let payload: [UInt8]
            do { payload = try link.receive(waitingFor: "the reply to \(command)") } catch { throw .link(error) }
            switch try StreamingDLoadPacket.parse(payload) {
            case let .log(text): deviceLog.append(text)
            case let .error(code, text): throw .deviceError(command: command, code: code, text: text, log: deviceLog)
            case let packet: return packet
            }
        }
    }

    /// Sends `packet` and returns its reply.
    public func exchange(_ packet: StreamingDLoadPacket) throws(StreamingDLoadError) -> StreamingDLoadPacket {
        try send(packet)
        return try receive(answering: packet.name)
    }

    /// Hello: learns the window, block size and flash geometry.
    @discardableResult
    public func hello(_ hello: StreamingHello = StreamingHello()) throws(StreamingDLoadError) -> StreamingHelloReply {
        let answer = try exchange(.hello(hello))
        guard case let .helloReply(reply) = answer else {
            throw .unexpectedReply(command: "HELLO", reply: answer.name + " (is a NAND programmer running? upload one with --programmer)")
        }
        device = reply
        blockSize = max(1, min(Int(reply.maxPreferredBlockSize), 1 << 20))
        return reply
    }

    /// Security mode (1 = trusted, as flashing tools send).
    public func setSecurityMode(_ mode: UInt8 = 1) throws(StreamingDLoadError) {
        let reply = try exchange(.securityMode(mode))
        guard reply == .securityModeReply else { throw .unexpectedReply(command: "SECURITY-MODE", reply: reply.name) }
    }

    /// Sends the partition table (write form); status 1 without `override` means the device
    /// holds a different table and throws, telling the user to pass the override.
    public func sendPartitionTable(_ table: [UInt8], override: Bool) throws(StreamingDLoadError) {
        guard case let .partitionTableReply(status) = try exchange(.partitionTable(override: override, table: table)) else {
            throw .unexpectedReply(command: "PARTITION-TABLE", reply: "another packet")
        }
        let meanings: [UInt8: String] = [
            1: override ? "the table differs and could not be replaced"
                : "the device holds a different partition table; flashing this one repartitions the NAND (pass the override flag, --override-partition-table, after a full backup)",
            2: "the device does not know this partition table format", 3: "erasing for the new table failed",
        ]
        guard status == 0 else { throw .status(command: "PARTITION-TABLE", status: status, meaning: meanings[status] ?? "unknown status") }
    }

    /// Opens a partition by name (`0:APPS`) for writing.
    public func openPartition(_ name: String) throws(StreamingDLoadError) {
        let full = name.contains(":") ? name : "0:" + name
        guard case let .openMultiImageReply(status) = try exchange(.openMultiImage(type: StreamingDLoadPacket.ImageType.custom,
                                                                                   payload: Array(full.utf8) + [0])) else {
            throw .unexpectedReply(command: "OPEN-MULTI-IMAGE", reply: "another packet")
        }
        let meanings: [UInt8: String] = [1: "payload too long", 2: "no payload expected", 3: "payload required",
                                         4: "partition \(full) is write-protected"]
        guard status == 0 else { throw .status(command: "OPEN-MULTI-IMAGE \(full)", status: status, meaning: meanings[status] ?? "unknown status") }
    }

    /// Streams `length` bytes of `source` into the open image, keeping at most the
    /// device's window of writes unanswered. Returns the bytes the device confirmed.
    @discardableResult
    public func streamWrite(from source: ByteSource, length: UInt64, progress: ProgressSink? = nil,
                            confirmed: ((UInt64) -> Void)? = nil) throws(StreamingDLoadError) -> UInt64 {
        let window = max(1, Int(device?.windowSize ?? 1))
        var outstanding: [(address: UInt32, count: Int)] = []
        var batch = StreamWriteBatch(blockSize: blockSize, window: window)
        var sent: UInt64 = 0
        var done: UInt64 = 0
        func collect() throws(StreamingDLoadError) {
            let reply = try receive(answering: "STREAM-WRITE")
            guard case let .streamWriteReply(address) = reply else { throw .unexpectedReply(command: "STREAM-WRITE", reply: reply.name) }
            let oldest = outstanding.removeFirst()
            guard address == oldest.address else { throw .writeOutOfOrder(expected: oldest.address, got: address) }
            done += UInt64(oldest.count)
            confirmed?(done)
            progress?(done, length)
        }
        while sent < length || !outstanding.isEmpty {
            let packetsLeft = Int((length - sent + UInt64(blockSize) - 1) / UInt64(blockSize))
            let room = window - outstanding.count
            // Refill only once half the window (or all that is left) is free: one write per batch.
            guard packetsLeft > 0, room >= min(max(1, window / 2), packetsLeft) else {
                try collect()
                continue
            }
            let chunk: [UInt8]
            do { chunk = try source.read(offset: sent, length: Int(min(UInt64(room * blockSize), length - sent))) } catch {
                throw .partitionTable("reading the image at offset \(sent): \(error)")
            }
            guard !chunk.isEmpty else {
                throw .partitionTable("the image ended at offset \(sent), \(length - sent) bytes before its stated length")
            }
            for packet in batch.frame(chunk, at: UInt32(truncatingIfNeeded: sent)) { outstanding.append(packet) }
            sent += UInt64(chunk.count)
            do { try link.sendFramed(batch.frames, what: "STREAM-WRITE") } catch { throw .link(error) }
        }
        return done
    }

    /// Closes the open image.
    public func close() throws(StreamingDLoadError) {
        let reply = try exchange(.close)
        guard reply == .closeReply else { throw .unexpectedReply(command: "CLOSE", reply: reply.name) }
    }

    /// Reads `length` bytes of NAND at `address` (at most 64 KiB - 1 per request).
    public func read(address: UInt32, length: Int) throws(StreamingDLoadError) -> [UInt8] {
        precondition(length > 0 && length <= 0xFFFF, "a read is 1 to 65535 bytes")
        guard case let .readReply(replyAddress, data) = try exchange(.read(address: address, length: UInt16(length))),
              replyAddress == address, data.count == length else {
            throw .unexpectedReply(command: "READ 0x\(String(address, radix: 16))", reply: "a reply for another range")
        }
        return data
    }

    /// Finds the MIBIB partition table (read form) in the first `pages` pages of the chip.
    public func readPartitionTable(pageSize: Int = 2048, pages: Int = 64) throws(StreamingDLoadError) -> MIBIBPartitionTable {
        let magic: [UInt8] = [0xAA, 0x73, 0xEE, 0x55]
        for page in 0..<pages {
            let address = UInt32(page * pageSize)
            let head = try read(address: address, length: 4)
            guard head == magic else { continue }
            return try MIBIBPartitionTable(try read(address: address, length: min(pageSize, 0xFFFF)))
        }
        throw .partitionTable("no MIBIB partition table (magic 55ee73aa) in the first \(pages) pages of \(pageSize) bytes; "
            + "the programmer may not be a NAND programmer, or the unit was never partitioned")
    }

    /// Resets the device (it reboots into its firmware).
    public func reset() throws(StreamingDLoadError) {
        let reply = try exchange(.reset)
        guard reply == .resetReply else { throw .unexpectedReply(command: "RESET", reply: reply.name) }
    }
}
