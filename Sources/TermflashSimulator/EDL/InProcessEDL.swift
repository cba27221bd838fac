import TermflashCore

/// A simulated EDL device on its own thread, joined to the host by an in-process pipe with
/// back-pressure: what tests and `bench edl` flash into.
public final class InProcessEDL: InProcessDevice {
    /// The device (its record tells what it saw).
    public let device: EDLDevice

    /// Starts a device over `storage`; at most `bufferBytes` are in flight each way. With
    /// `rebootOnReset` a `power reset` boots it again into Sahara (a unit held in EDL).
    public init(storage: EDLStorage, behaviour: EDLDeviceBehaviour = EDLDeviceBehaviour(), bufferBytes: Int = 4 << 20,
                rebootOnReset: Bool = false) {
        let pair = InMemoryTransport.pair(packetSize: 512, capacity: bufferBytes)
        device = EDLDevice(storage: storage, transport: pair.device, behaviour: behaviour)
        super.init(host: pair.host, finished: device.start(rebootOnReset: rebootOnReset))
    }
}
