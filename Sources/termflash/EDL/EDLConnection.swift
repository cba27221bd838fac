import ArgumentParser
import Foundation
import Logging
import TermflashCore
import TermflashHardware
import TermflashImages
import TermflashProtocols

/// Options of every command that talks to a unit in emergency download mode.
struct EDLOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Firehose programmer (ELF/MBN) to upload over Sahara; omit when one already runs.", valueName: "file"))
    var programmer: String?

    @Option(help: "Storage type for configure: emmc, ufs, nand, spinor (default: emmc, then ufs).")
    var memory: String?

    @Option(help: "Bytes per raw chunk to ask for in configure.")
    var payloadSize = 1 << 20

    @Option(help: "Seconds to wait for the boot ROM's HELLO.")
    var helloTimeout: Double = 3

    /// The values as the connection takes them.
    var settings: EDLConnection.Settings {
        EDLConnection.Settings(programmer: programmer, memory: memory, payloadSize: payloadSize, helloTimeout: helloTimeout)
    }
}

/// An open EDL unit: Sahara done (programmer running), Firehose configured, storage known.
final class EDLConnection {
    /// How to reach the programmer.
    struct Settings {
        var programmer: String?
        var memory: String?
        var payloadSize = 1 << 20
        var helloTimeout: Double = 3
    }

    /// USB identities of emergency download mode: Qualcomm's and ZTE's.
    static let identities: Set<USBIdentity> = [USBIdentity(vendorID: 0x05C6, productID: 0x9008), USBIdentity(vendorID: 0x19D2, productID: 0x0076)]

    let opened: TransportFactory.Opened
    let firehose: FirehoseHost
    let configuration: FirehoseConfiguration
    /// Sahara command-mode facts (when asked for and a programmer was uploaded).
    let deviceInfo: SaharaDeviceInfo?
    let upload: SaharaHost.UploadReport?
    /// getstorageinfo of LUN 0.
    let storage: FirehoseStorageInfo?
    let sectorSize: Int
    let logger: Logger

    /// Opens the selected unit (a serial port with `--port`, else the one USB device in EDL),
    /// uploads the programmer if given, configures Firehose and reads storage facts.
    init(device: DeviceSelection, session: SessionOptions, edl: Settings, readDeviceInfo: Bool = false, logger: Logger) throws {
        self.logger = logger
        opened = try Self.openTransport(device: device, session: session, logger: logger)
        do {
            let sahara = SaharaHost(transport: opened.transport, timeouts: .init(helloMilliseconds: Int(edl.helloTimeout * 1000)))
            var info: SaharaDeviceInfo?
            if let programmer = edl.programmer {
                if readDeviceInfo { info = try sahara.readDeviceInfo() }
                let image = try Self.programmerSource(programmer)
                let report = try sahara.upload(images: [13: image])
                logger.info("programmer \(programmer) uploaded: \(report.bytesSent) bytes in \(report.requests) requests")
                upload = report
            } else {
                upload = nil
            }
            deviceInfo = info
            firehose = FirehoseHost(transport: opened.transport)
            configuration = try firehose.configure(memory: edl.memory, payloadSize: edl.payloadSize)
            storage = try? firehose.storageInfo(lun: 0)
            sectorSize = storage?.blockSize ?? (configuration.memoryName == "ufs" ? 4096 : 512)
        } catch {
            try? opened.finish()
            throw error
        }
    }

    /// LUNs the storage reports (1 for eMMC without the field, at most 8).
    var lunCount: Int { min(max(storage?.numPhysical ?? 1, 1), 8) }

    /// Sectors of `lun` (getstorageinfo's total_blocks).
    func diskSectors(lun: Int) throws -> UInt64 {
        if lun == 0, let blocks = storage?.totalBlocks { return blocks }
        guard let blocks = try firehose.storageInfo(lun: lun).totalBlocks else {
            throw FirehoseError.missingField(command: "getstorageinfo", field: "total_blocks of LUN \(lun)")
        }
        return blocks
    }

    /// The primary GPT of `lun`, read from sector 1 and its entry array.
    func readGPT(lun: Int) throws -> GPT {
        let header = try readSectors(lun: lun, start: 1, count: 1)
        let parsed = try GPTHeader.parse(header)
        let entries = try readSectors(lun: lun, start: parsed.partitionEntryLBA, count: UInt64(parsed.entryArraySectors(sectorSize: sectorSize)))
        return try GPT.parse(lba1: header, entries: entries, sectorSize: sectorSize)
    }

    /// Where `address` (a GPT label, or LUN/START+COUNT) lies on this unit; labels are looked up
    /// in the GPTs read from it.
    func locate(_ address: StorageAddress) throws -> (lun: Int, start: UInt64, count: UInt64) {
        try address.resolve(in: address.isLabel ? readGPTs() : [:])
    }

    /// The GPTs of every LUN that has one; LUNs without are logged and left out.
    func readGPTs() -> [Int: GPT] {
        var tables: [Int: GPT] = [:]
        for lun in 0..<lunCount {
            do { tables[lun] = try readGPT(lun: lun) } catch { logger.notice("LUN \(lun): no GPT (\(error))") }
        }
        return tables
    }

    func readSectors(lun: Int, start: UInt64, count: UInt64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try firehose.read(lun: lun, startSector: String(start), sectors: count, sectorSize: sectorSize, into: { bytes += $0 })
        return bytes
    }

    /// Closes the transport (and checks a replay was played to its end).
    func close() throws { try opened.finish() }

    static func programmerSource(_ path: String) throws -> ByteSource {
        do {
            return try FileByteSource(path: path)
        } catch {
            throw ValidationError("programmer \(path) cannot be read: \(error.localizedDescription)")
        }
    }

    static func openTransport(device: DeviceSelection, session: SessionOptions, logger: Logger) throws -> TransportFactory.Opened {
        let factory = TransportFactory(session: session)
        if let port = device.port ?? (session.replay != nil ? "replay" : nil) {
            return try factory.serial(port: port, baud: 115_200)
        }
        let found = try USBEnumerator.select(device, from: USBEnumerator.devices()) { identities.contains($0.identity) }
        logger.info("using \(found.shortDescription)")
        return try factory.usb(device: found, interface: 0)
    }
}
