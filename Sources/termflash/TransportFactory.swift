import TermflashCapture
import TermflashCore
import TermflashHardware

/// Picks the transport a command talks through — hardware, or a replayed recording — and
/// wires `--record`. The only place where the CLI decides what the device is.
struct TransportFactory {
    let session: SessionOptions

    /// An open transport and what to do when the command is done with it.
    struct Opened {
        let transport: Transport
        /// Closes the transport; for a replay, throws if the program left recorded steps unplayed.
        let finish: () throws -> Void
    }

    /// A serial port (or its replay), recorded as a umockdev script with `--record`.
    func serial(port: String, baud: Int) throws -> Opened {
        if let replay = session.replay { return try replayed(replay, packetSize: 1) }
        let transport = try SerialTransport(node: port, baud: baud)
        guard let record = session.record else { return Opened(transport: transport, finish: transport.close) }
        let writer = try ScriptCaptureWriter(path: record, payloads: session.payloadPolicy)
        let recording = RecordingTransport(wrapping: transport, into: .script(writer))
        return Opened(transport: recording, finish: recording.close)
    }

    /// Bulk endpoints of `interface` on a USB device (or a replay), recorded as a usbmon
    /// pcapng with `--record`.
    func usb(device: USBDeviceInfo, interface: UInt8) throws -> Opened {
        if let replay = session.replay {
            let packet = device.interfaces.first { $0.number == interface }?.bulkPair?.out.maxPacketSize ?? 512
            return try replayed(replay, packetSize: Int(packet))
        }
        let transport = try USBTransport(device: device, interface: interface)
        guard let record = session.record else { return Opened(transport: transport, finish: transport.close) }
        let writer = try PcapngCaptureWriter(path: record, payloads: session.payloadPolicy)
        transport.observer = writer
        return Opened(transport: transport) {
            transport.close()
            writer.close()
        }
    }

    private func replayed(_ path: String, packetSize: Int) throws -> Opened {
        let dialogue = try CaptureSource.dialogue(contentsOf: path, device: session.replayDevice.flatMap(CaptureDeviceFilter.init))
        let transport = ReplayTransport(dialogue, packetSize: packetSize)
        return Opened(transport: transport) {
            transport.close()
            try transport.verifyFinished()
        }
    }
}
