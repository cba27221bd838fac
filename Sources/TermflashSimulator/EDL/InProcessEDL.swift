import Dispatch
import TermflashCore

/// A simulated EDL device on its own thread, joined to the host by an in-process pipe with
/// back-pressure: what tests and `bench edl` flash into.
public final class InProcessEDL {
    /// The device (its record tells what it saw).
    public let device: EDLDevice
    /// The host's end of the pipe.
    public let host: InMemoryTransport
    private let finished: DispatchGroup

    /// Starts a device over `storage`; at most `bufferBytes` are in flight each way. With
    /// `rebootOnReset` a `power reset` boots it again into Sahara (a unit held in EDL).
    public init(storage: EDLStorage, behaviour: EDLDeviceBehaviour = EDLDeviceBehaviour(), bufferBytes: Int = 4 << 20,
                rebootOnReset: Bool = false) {
        let pair = InMemoryTransport.pair(packetSize: 512, capacity: bufferBytes)
        host = pair.host
        device = EDLDevice(storage: storage, transport: pair.device, behaviour: behaviour)
        finished = device.start(rebootOnReset: rebootOnReset)
    }

    /// Closes the host end and waits (up to `seconds`) for the device to stop.
    @discardableResult
    public func shutdown(seconds: Double = 5) -> Bool {
        host.close()
        return finished.wait(timeout: .now() + seconds) == .success
    }

    /// Waits for the device to stop by itself (after `power`).
    @discardableResult
    public func waitUntilStopped(seconds: Double = 5) -> Bool {
        finished.wait(timeout: .now() + seconds) == .success
    }
}
