import ArgumentParser
import TermflashCapture

/// `termflash capture …`: read recordings.
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture", abstract: "Read USB captures and serial recordings.", subcommands: [Show.self])

    /// `termflash capture show FILE`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one line per protocol message of a capture (pcap, pcapng, USBPcap or umockdev script).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The capture or script.")
        var file: String

        @Option(help: ArgumentHelp("auto, or one of: \(CaptureDecoders.all.map { $0.protocolName }.joined(separator: ", ")).",
                                   valueName: "protocol"))
        var `protocol` = "auto"

        @Option(help: ArgumentHelp("For a capture of several devices: BUS:DEV or VID:PID.", valueName: "device"))
        var device: String?

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func validate() throws {
            if `protocol` != "auto", CaptureDecoders.named(`protocol`) == nil {
                throw ValidationError("unknown protocol '\(`protocol`)'; use auto or one of \(CaptureDecoders.all.map { $0.protocolName }.joined(separator: ", "))")
            }
            if let device, CaptureDeviceFilter(device) == nil {
                throw ValidationError("--device must be BUS:DEV (decimal) or VID:PID (hex)")
            }
        }

        func run() throws {
            try reportingErrors {
                _ = global.makeLogger()
                let dialogue = try CaptureSource.dialogue(contentsOf: file, device: device.flatMap(CaptureDeviceFilter.init))
                let decoder = CaptureDecoders.named(`protocol`) ?? CaptureDecoders.detect(dialogue)
                let isScript = dialogue.steps.first?.endpoint == nil
                let messages = CaptureDecoders.decode(dialogue, with: decoder, relativeTimes: isScript)
                if json {
                    try printJSON(messages)
                } else {
                    messages.forEach { print($0.line) }
                }
            }
        }
    }
}
