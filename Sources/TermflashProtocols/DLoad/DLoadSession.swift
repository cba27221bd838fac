import TermflashCore

/// The host side of DMSS DLOAD (the boot ROM's download mode after DIAG 0x3A): check the
/// device, upload a NAND programmer in WRITE32 blocks and start it. PROTOCOLS.md B3.
public final class DLoadSession {
    /// The framed link (frames start with a flag, as DLOAD hosts send them).
    public let link: HDLCLink

    /// A session on `transport`.
    public init(transport: Transport, timeoutMilliseconds: Int = 3_000) {
        link = HDLCLink(transport: transport, leadingFlag: true, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Sends a packet and returns the decoded reply.
    public func exchange(_ packet: DLoadPacket) throws(DLoadError) -> DLoadPacket {
        let reply: [UInt8]
        do {
            reply = try link.exchange(packet.payload, what: "DLOAD \(packet.name)") { _ in true }
        } catch {
            throw .link(error)
        }
        return try DLoadPacket.parse(reply)
    }

    /// Sends a packet that must be ACKed; a NAK throws with its reason.
    public func expectAck(_ packet: DLoadPacket) throws(DLoadError) {
        switch try exchange(packet) {
        case .ack: return
        case let .nak(reason): throw .nak(command: packet.name, reason: reason)
        case let other: throw .unexpectedReply(command: packet.name, reply: other.name)
        }
    }

    /// NOP: is anybody there?
    public func nop() throws(DLoadError) { try expectAck(.nop) }

    /// The device's parameters (max write size and model).
    public func parameters() throws(DLoadError) -> DLoadParameters {
        switch try exchange(.parameterRequest) {
        case let .parameters(parameters): return parameters
        case let .nak(reason): throw .nak(command: "PARAM-REQ", reason: reason)
        case let other: throw .unexpectedReply(command: "PARAM-REQ", reply: other.name)
        }
    }

    /// Uploads `programmer` to `address` in WRITE32 blocks no larger than the device takes,
    /// then jumps to it with GO. `progress` sees bytes sent.
    public func upload(programmer: [UInt8], to address: UInt32, blockSize: Int = DLoadPacket.write32BlockSize,
                       progress: ((Int, Int) -> Void)? = nil) throws(DLoadError) {
        precondition(blockSize > 0, "a block holds at least one byte")
        var offset = 0
        while offset < programmer.count {
            let end = min(programmer.count, offset + blockSize)
            try expectAck(.write32(address: address &+ UInt32(offset), data: Array(programmer[offset..<end])))
            offset = end
            progress?(offset, programmer.count)
        }
        try expectAck(.go(address: address))
    }
}
