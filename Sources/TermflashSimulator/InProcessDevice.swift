import Dispatch
import TermflashCore

/// A simulated device running on its own thread, joined to the host by an in-process pipe
/// with back-pressure: the host's end, and how to stop or await the device.
public class InProcessDevice {
    /// The host's end of the pipe.
    public let host: InMemoryTransport
    private let finished: DispatchGroup

    init(host: InMemoryTransport, finished: DispatchGroup) {
        self.host = host
        self.finished = finished
    }

    /// Closes the host end and waits (up to `seconds`) for the device to stop.
    @discardableResult
    public func shutdown(seconds: Double = 5) -> Bool {
        host.close()
        return finished.wait(timeout: .now() + seconds) == .success
    }

    /// Waits for the device to stop by itself (power-off, reset, EDL switch, injected fault).
    @discardableResult
    public func waitUntilStopped(seconds: Double = 5) -> Bool {
        finished.wait(timeout: .now() + seconds) == .success
    }
}
