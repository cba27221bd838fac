import TermflashProtocols

/// Faults a simulated Qualcomm HDLC device injects, to prove the host notices each one.
public struct HDLCDeviceFaults: Sendable {
    /// Replies (counted from 1 over the device's life) sent with a corrupted CRC.
    public var corruptCRCInReplies: Set<Int> = []
    /// Replies sent with bytes missing from their middle (a lost USB packet).
    public var dropBytesInReplies: Set<Int> = []
    /// The WRITE32 block (counted from 1) the DLOAD side NAKs, and with what reason.
    public var nakWrite32Block: Int?
    public var nakReason: DLoadNAKReason = .verifyFailed
    /// The stream write (counted from 1) answered with a Streaming DLOAD error packet.
    public var errorAtStreamWrite: Int?
    /// After this many streamed bytes the device resets: it stops answering and leaves.
    public var resetAfterStreamedBytes: UInt64?

    /// No faults.
    public init() {}
}
