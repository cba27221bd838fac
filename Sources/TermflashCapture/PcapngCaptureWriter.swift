import Foundation
import TermflashCore
import TermflashCrypto

/// Records USB bulk transfers as a usbmon pcapng (LINKTYPE_USB_LINUX_MMAPPED): a submission
/// and a completion record per transfer, written as they happen, so a capture survives a
/// crash. Opens in Wireshark and replays through `umockdev-run -p` and ``ReplayTransport``.
public final class PcapngCaptureWriter: USBTransferObserver {
    /// Where the capture goes.
    public let path: String
    private let policy: PayloadPolicy
    private let handle: FileHandle
    private var nextURB: UInt64 = 0xFFFF_8880_0000_1000

    /// Creates (truncates) `path` and writes the file header.
    public init(path: String, payloads: PayloadPolicy = .full) throws(CaptureError) {
        self.path = path
        policy = payloads
        handle = try createCaptureFile(path)
        handle.write(Data(PcapngWriter().bytes))
    }

    deinit { try? handle.close() }

    public func transferCompleted(_ transfer: USBTransferRecord) {
        nextURB += 0x40
        var writer = PcapngWriter.bodyOnly()
        let isIn = transfer.endpoint & 0x80 != 0
        let hashed = !isIn && policy.hashes(outLength: transfer.data.count)
        let submit = USBMonPacket(
            urbID: nextURB, kind: .submit, transferType: .bulk, endpoint: transfer.endpoint, device: transfer.device,
            bus: UInt16(transfer.bus), seconds: Int64(transfer.submittedMicroseconds / 1_000_000),
            microseconds: Int32(transfer.submittedMicroseconds % 1_000_000), status: -115,
            length: UInt32(transfer.requestedLength), data: isIn || hashed ? [] : transfer.data)
        let comment = hashed ? PayloadHash(length: transfer.data.count, sha256: SHA256.hash(transfer.data)).comment : nil
        writer.append(submit, comment: comment)
        let complete = USBMonPacket(
            urbID: nextURB, kind: .complete, transferType: .bulk, endpoint: transfer.endpoint, device: transfer.device,
            bus: UInt16(transfer.bus), seconds: Int64(transfer.completedMicroseconds / 1_000_000),
            microseconds: Int32(transfer.completedMicroseconds % 1_000_000), status: transfer.status,
            length: UInt32(transfer.transferred), data: isIn ? transfer.data : [])
        writer.append(complete, comment: nil)
        handle.write(Data(writer.bytes))
    }

    /// Flushes and closes the file.
    public func close() {
        try? handle.synchronize()
        try? handle.close()
    }
}
