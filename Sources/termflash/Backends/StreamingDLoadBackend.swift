import Foundation
import Logging
import TermflashCore
import TermflashEngine
import TermflashHardware
import TermflashProfiles
import TermflashProtocols

/// Qualcomm NAND modems (ZTE MF823, MF825, MF667…) on their DLOAD tty: a NAND programmer
/// uploaded with DMSS DLOAD (`--programmer`), then partitions written with Streaming
/// DLOAD. The image labelled `--partition ptable` is the partition table (MIBIB write
/// form), sent first; `--override-partition-table` lets it replace a different one.
enum StreamingDLoadBackend: FlashBackend {
    static let name = "streaming-dload"
    static let summary = "Qualcomm NAND modems on their download tty (--port TTY --programmer NPRG, images with --partition NAME, table with --partition ptable)"
    /// The label that marks the partition-table image.
    static let tableLabel = "ptable"
    /// Where MDM9x15/9x25 boot ROMs are given NAND programmers by default.
    static let programmerAddress: UInt32 = 0x4170_0000

    static func accepts(_ request: FlashRequest) -> Bool {
        request.disk == nil && request.profile?.protocolFamily == .qualcommHDLC
    }

    static func plan(for request: FlashRequest) throws -> UpdatePlan {
        guard !request.images.isEmpty else {
            throw PlanError.check("the streaming-dload backend writes partition images: give each with --partition NAME (and the table with --partition ptable)")
        }
        var steps: [PlanStep] = []
        for image in request.images {
            guard let label = image.partition else {
                throw PlanError.check("\(image.reference.path): Streaming DLOAD writes partitions; name this image's with --partition NAME")
            }
            if label.lowercased() == tableLabel {
                steps.insert(.command(TargetCommand(name: "partition-table", attributes: [
                    "path": image.reference.path, "override": request.overridePartitionTable ? "1" : "0",
                ])), at: 0)
            } else {
                steps.append(.write(image.reference, to: FlashRegion(partition: label, offset: 0, length: image.reference.length)))
            }
        }
        let id = (request.profile?.id ?? "qualcomm-nand") + "-streaming-dload"
        return UpdatePlan(id: id, summary: "\(steps.filter { $0.kind == .write }.count) NAND partition(s) over Streaming DLOAD",
                          steps: steps, finish: .reset)
    }

    static func open(for request: FlashRequest, transports: TransportFactory, logger: Logger) throws -> FlashSession {
        let (opened, port) = try openLink(for: request, transports: transports, logger: logger)
        do {
            if let programmer = request.programmer { try upload(programmer: programmer, on: opened.transport, logger: logger) }
            let session = StreamingDLoadSession(transport: opened.transport)
            let hello = try session.hello()
            logger.info("programmer: \(hello.flashID), block \(hello.maxPreferredBlockSize) bytes, window \(hello.windowSize)")
            try session.setSecurityMode()
            let target = StreamingDLoadFlashTarget(session: session, name: "streaming-dload on \(port)")
            return FlashSession(target: target, resolver: .files, close: opened.finish)
        } catch {
            try? opened.finish()
            throw error
        }
    }

    /// The unit's download tty (`--port`), else the bulk endpoints of the selected unit in
    /// download mode (the same frames travel over both).
    private static func openLink(for request: FlashRequest, transports: TransportFactory,
                                 logger: Logger) throws -> (TransportFactory.Opened, String) {
        if let port = request.selection.port { return (try transports.serial(port: port, baud: request.baud), port) }
        let device = try USBEnumerator.select(request.selection, from: USBEnumerator.devices()) { candidate in request.library.profiles(matching: candidate.identity).contains {
                $0.protocolFamily == .qualcommHDLC && $0.identity(candidate.identity)?.mode == .download
            }
        }
        guard let interface = device.interfaces.first(where: { $0.bulkPair != nil }) else {
            throw PlanError.check("\(device.shortDescription) has no interface with bulk endpoints; name its tty with --port")
        }
        logger.info("using the bulk endpoints of interface \(interface.number) of \(device.shortDescription)")
        return (try transports.usb(device: device, interface: interface.number), "usb \(device.path) if\(interface.number)")
    }

    private static func upload(programmer path: String, on transport: Transport, logger: Logger) throws {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
            throw DLoadError.badProgrammer(path: path, reason: "cannot be read or is empty")
        }
        let dload = DLoadSession(transport: transport)
        do {
            try dload.nop()
        } catch DLoadError.unexpectedReply(_, let reply) {
            logger.notice("the unit answered DLOAD NOP with \(reply): its programmer is already running, so none is uploaded")
            return
        }
        let parameters = try dload.parameters()
        let block = min(DLoadPacket.write32BlockSize, Int(parameters.maxWriteSize))
        logger.info("uploading programmer \(path) (\(data.count) bytes) in \(block)-byte WRITE32 blocks")
        try dload.upload(programmer: [UInt8](data), to: programmerAddress, blockSize: max(1, block))
    }
}
