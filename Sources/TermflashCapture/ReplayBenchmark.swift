import TermflashCore

/// Measures the in-process replay path: a usbmon pcapng of a firmware download (host writes
/// in `chunk`-byte bulk transfers, the device acknowledges every mebibyte) is indexed, turned
/// into a dialogue and played back through ``ReplayTransport``.
public enum ReplayBenchmark {
    /// Timings in seconds and the volume replayed.
    public struct Result: Sendable {
        public var bytes: Int
        public var captureBytes: Int
        public var loadSeconds: Double
        public var replaySeconds: Double

        /// Replay throughput in GiB/s.
        public var replayGiBPerSecond: Double { Double(bytes) / replaySeconds / Double(1 << 30) }
        /// Throughput including indexing the capture.
        public var totalGiBPerSecond: Double { Double(bytes) / (loadSeconds + replaySeconds) / Double(1 << 30) }
    }

    /// Builds a capture of `mebibytes` MiB in memory, then loads and replays it.
    public static func run(mebibytes: Int, chunk: Int = 1 << 16) throws -> Result {
        let payload = (0..<chunk).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let ack = Array("<?xml version=\"1.0\" ?><data><response value=\"ACK\" /></data>".utf8)
        let capture = makeCapture(mebibytes: mebibytes, payload: payload, ack: ack)

        let loadStart = Deadline.now
        let dialogue = try DeviceDialogue(USBCapture(CaptureFile(bytes: capture, name: "bench.pcapng")))
        let replayStart = Deadline.now
        let replay = ReplayTransport(dialogue)
        let perAck = (1 << 20) / chunk
        for index in 0..<(mebibytes * perAck) {
            try replay.write(payload, deadline: .never)
            if (index + 1) % perAck == 0 { _ = try replay.read(exactly: ack.count, deadline: .never) }
        }
        try replay.verifyFinished()
        let end = Deadline.now
        return Result(bytes: mebibytes << 20, captureBytes: capture.count,
                      loadSeconds: seconds(loadStart, replayStart), replaySeconds: seconds(replayStart, end))
    }

    private static func makeCapture(mebibytes: Int, payload: [UInt8], ack: [UInt8]) -> [UInt8] {
        var writer = PcapngWriter()
        var urb: UInt64 = 0x1000
        let perAck = (1 << 20) / payload.count
        for index in 0..<(mebibytes * perAck) {
            urb += 1
            writer.append(USBMonPacket(urbID: urb, kind: .submit, transferType: .bulk, endpoint: 0x01, device: 4, bus: 1,
                                       status: -115, length: UInt32(payload.count), data: payload))
            writer.append(USBMonPacket(urbID: urb, kind: .complete, transferType: .bulk, endpoint: 0x01, device: 4, bus: 1,
                                       status: 0, length: UInt32(payload.count), data: []))
            guard (index + 1) % perAck == 0 else { continue }
            urb += 1
            writer.append(USBMonPacket(urbID: urb, kind: .complete, transferType: .bulk, endpoint: 0x81, device: 4, bus: 1,
                                       status: 0, length: UInt32(ack.count), data: ack))
        }
        return writer.bytes
    }

    private static func seconds(_ start: Deadline, _ end: Deadline) -> Double {
        Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
