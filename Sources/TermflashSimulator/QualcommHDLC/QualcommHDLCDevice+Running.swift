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

    /// Answers every frame decoded so far, the replies to one read of the host's bytes in one
    /// write (a window of stream writes costs the host one wake-up, not one per packet).
    private func answerEveryFrame(in decoder: inout HDLCDecoder, on transport: Transport) -> Bool {
        var out: [UInt8] = []
        var more = true
        while more, mode != .gone {
            let replies: [[UInt8]]
            do {
                guard let frame = try decoder.next() else { break }
                replies = handle(frame)
            } catch {
                replies = handleBadFrame(error)
            }
            let leadingFlag = mode != .diag
            for reply in replies { out += damage(HDLCEncoder.frame(reply, leadingFlag: leadingFlag)) }
            more = mode != .gone
        }
        if !out.isEmpty {
            do { try transport.write(out, deadline: .after(seconds: 10)) } catch { return false }
        }
        return mode != .gone
    }
}
