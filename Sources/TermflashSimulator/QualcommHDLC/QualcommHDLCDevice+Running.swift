import Dispatch
import Foundation
import TermflashCore
import TermflashProtocols

extension QualcommHDLCDevice {
    /// Serves the host on `transport` from a thread of its own until the host closes its
    /// end or the device leaves (EDL switch, power-off, injected reset). The group is left
    /// when the device stops.
    public func start(on transport: Transport) -> DispatchGroup {
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread { [self] in
            serve(transport)
            transport.close()
            group.leave()
        }
        return group
    }

    /// Serves the host on the calling thread until the host closes its end or the device
    /// leaves; the transport stays open (a pty waits for the next host).
    public func serve(_ transport: Transport) {
        var decoder = HDLCDecoder()
        while mode != .gone {
            let bytes: [UInt8]
            do { bytes = try transport.read(maxLength: 256 * 1024, deadline: .never) } catch { break }
            decoder.feed(bytes)
            guard answerEveryFrame(in: &decoder, on: transport) else { break }
        }
    }

    private func answerEveryFrame(in decoder: inout HDLCDecoder, on transport: Transport) -> Bool {
        while true {
            let replies: [[UInt8]]
            do {
                guard let frame = try decoder.next() else { return true }
                replies = handle(frame)
            } catch {
                replies = handleBadFrame(error)
            }
            let leadingFlag = mode != .diag
            var out: [UInt8] = []
            for reply in replies { out += damage(HDLCEncoder.frame(reply, leadingFlag: leadingFlag)) }
            if !out.isEmpty {
                do { try transport.write(out, deadline: .after(seconds: 10)) } catch { return false }
            }
            if mode == .gone { return false }
        }
    }
}
