import Dispatch
import TermflashCore

/// A simulated Qualcomm HDLC device on its own thread, joined to the host by an in-process
/// pipe: what tests and `bench hdlc` talk to.
public final class InProcessHDLCDevice {
    public let device: QualcommHDLCDevice
    /// The host's end of the pipe.
    public let host: InMemoryTransport
    private let finished: DispatchGroup

    /// Starts `device`; at most `bufferBytes` are in flight each way.
    public init(device: QualcommHDLCDevice, bufferBytes: Int = 4 << 20) {
        let pair = InMemoryTransport.pair(packetSize: 512, capacity: bufferBytes)
        host = pair.host
        self.device = device
        finished = device.start(on: pair.device)
    }

    /// Closes the host end and waits (up to `seconds`) for the device to stop.
    @discardableResult
    public func shutdown(seconds: Double = 5) -> Bool {
        host.close()
        return finished.wait(timeout: .now() + seconds) == .success
    }

    /// Waits for the device to stop by itself (EDL switch, power-off, injected reset).
    @discardableResult
    public func waitUntilStopped(seconds: Double = 5) -> Bool {
        finished.wait(timeout: .now() + seconds) == .success
    }
}
