import TermflashCore

/// A simulated Qualcomm HDLC device on its own thread, joined to the host by an in-process
/// pipe: what tests and `bench hdlc` talk to.
public final class InProcessHDLCDevice: InProcessDevice {
    public let device: QualcommHDLCDevice

    /// Starts `device`; at most `bufferBytes` are in flight each way.
    public init(device: QualcommHDLCDevice, bufferBytes: Int = 4 << 20) {
        let pair = InMemoryTransport.pair(packetSize: 512, capacity: bufferBytes)
        self.device = device
        super.init(host: pair.host, finished: device.start(on: pair.device))
    }
}
