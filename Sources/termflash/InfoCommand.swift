import ArgumentParser
import Foundation
import TermflashCore
import TermflashProtocols

/// `termflash info`: what a unit in emergency download mode says about itself.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show a unit in EDL: Sahara facts (serial, MSM id, OEM key hash), then with --programmer its storage.",
        discussion: "Without --programmer only the boot ROM's command mode is read and the unit stays in Sahara.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: DeviceSelectionOptions
    @OptionGroup var session: SessionOptions
    @OptionGroup var edl: EDLOptions

    @Flag(help: "Print JSON.")
    var json = false

    struct Report: Encodable {
        var sahara: SaharaDeviceInfo?
        var programmer: String?
        var configuration: FirehoseConfiguration?
        var storage: [FirehoseStorageInfo] = []
    }

    func run() throws {
        try reportingErrors {
            let logger = global.makeLogger()
            var report = Report()
            if edl.programmer == nil {
                let opened = try EDLConnection.openTransport(device: device.selection, session: session, logger: logger)
                defer { try? opened.finish() }
                report.sahara = try SaharaHost(transport: opened.transport, timeouts: .init(helloMilliseconds: Int(edl.helloTimeout * 1000)))
                    .readDeviceInfo()
            } else {
                let connection = try EDLConnection(device: device.selection, session: session, edl: edl.settings, readDeviceInfo: true, logger: logger)
                report.sahara = connection.deviceInfo
                report.programmer = edl.programmer
                report.configuration = connection.configuration
                for lun in 0..<connection.lunCount {
                    if let info = try? connection.firehose.storageInfo(lun: lun) { report.storage.append(info) }
                }
                try connection.close()
            }
            if json { return try printJSON(report) }
            print(text(report))
        }
    }

    private func text(_ report: Report) -> String {
        var lines: [String] = []
        if let sahara = report.sahara {
            lines.append("Sahara v\(sahara.saharaVersion)")
            lines.append("  serial number     \(sahara.serialNumber ?? "-")")
            lines.append("  MSM hardware id   \(sahara.msmHardwareID ?? "-")")
            lines.append("  OEM PK hash       \(sahara.oemPublicKeyHash ?? "-")")
            lines.append("  SBL version       \(sahara.sblVersion ?? "-")")
            lines.append("  chip id           \(sahara.chipID ?? "-")")
        }
        if let configuration = report.configuration {
            lines.append("Firehose \(configuration.targetName ?? "?") version \(configuration.version ?? "?"): \(configuration.memoryName), "
                         + "payload \(configuration.maxPayloadToTarget) bytes")
        }
        for (lun, info) in report.storage.enumerated() {
            let bytes = (info.totalBlocks ?? 0) * UInt64(info.blockSize ?? 0)
            lines.append("  LUN \(lun): \(info.totalBlocks.map(String.init) ?? "?") sectors of \(info.blockSize.map(String.init) ?? "?") bytes"
                         + " (\(bytes / 1_048_576) MiB), \(info.memoryType ?? "?") \(info.productName ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}
