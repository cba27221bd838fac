import ArgumentParser
import Foundation
import TermflashCore
import TermflashProfiles
import TermflashProtocols
import TermflashSimulator

/// `termflash simulate uboot --pty`: a router's U-Boot console on a pty, its flash chips
/// kept in files, laid out from a router profile.
struct SimulateUBootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uboot",
        abstract: "A router's U-Boot console (autoboot, loadx/loady, crc32, md5sum/sha1sum/hash, md.b, nand/sf/mmc/virtio) on a pty.",
        discussion: """
        Prints 'console: /dev/pts/N' and serves until stopped. The board powers on when the \
        first byte arrives, then counts down --boot-delay seconds. Each chip of the profile is a file \
        in --flash-dir (created at its size, kept between runs), so what termflash wrote can be \
        checked with cmp or hexdump.
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Serve on a pseudo-terminal (the only transport so far).")
    var pty = false

    @Option(help: "Router profile to lay the flash out from.")
    var profile = "qemu-virt"

    @Option(help: ArgumentHelp("Folder for the chip files (default: a new temporary folder).", valueName: "dir"))
    var flashDir: String?

    @Option(help: "Seconds of the autoboot countdown.")
    var bootDelay = 3.0

    @Option(help: "Seconds before U-Boot asks for data after the YMODEM header (real U-Boot: 4.25).")
    var ymodemDelay = 0.0

    @Option(help: ArgumentHelp("Chip offsets that report a bad block (hex, repeatable).", valueName: "offset"))
    var badBlock: [String] = []

    @Option(help: ArgumentHelp("A command this U-Boot build lacks, answered with 'Unknown command' (repeatable; e.g. md5sum, sha1sum, hash).",
                               valueName: "name"))
    var missingCommand: [String] = []

    func validate() throws {
        guard pty else { throw ValidationError("add --pty: the simulated console runs on a pseudo-terminal") }
    }

    func run() throws {
        SimulateCommand.acceptTerminationSignals()
        try reportingErrors {
            let logger = global.makeLogger()
            let router = try global.loadProfiles(logger: logger).requireProfile(id: profile)
            let board = try SimulatedRouter(profile: router, folder: flashDir ?? Self.temporaryFolder())
            var configuration = board.configuration
            configuration.bootDelaySeconds = bootDelay
            configuration.ymodemStartDelaySeconds = ymodemDelay
            configuration.powerOnAtFirstByte = true
            configuration.missingCommands = Set(missingCommand)
            configuration.badBlocks = Set(badBlock.compactMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) })
            let simulator = UBootSimulator(store: board.store, chips: board.chips, configuration: configuration)
            let port = try SimulatedSerialPort()
            print("console: \(port.path)")
            for (chip, path) in zip(router.storage, board.files) { print("flash \(chip.name): \(path)") }
            fflush(stdout)
            simulator.serve(over: port.device)
        }
    }

    private static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "termflash-uboot-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// A simulated board shaped like a router profile: one store unit per chip, RAM covering the
/// profile's load window.
struct SimulatedRouter {
    let store: FlashStore
    let chips: [UBootSimulator.Chip]
    let files: [String]
    let configuration: UBootSimulator.Configuration

    init(profile: DeviceProfile, folder: String) throws {
        let layout = try UBootLayout(profile: profile)
        files = profile.storage.map { "\(folder)/\(profile.id)-\($0.name).bin" }
        let sizes = profile.storage.map { chip in
            UInt64(chip.sizeBytes ?? chip.partitions.map(\.end).max() ?? 0x100000)
        }
        store = try FlashStore(paths: files, sizes: sizes, sectorSize: 512)
        chips = layout.chips.enumerated().map { index, chip in
            UBootSimulator.Chip(kind: chip.kind, lun: index, eraseBlockSize: chip.unit)
        }
        var configuration = UBootSimulator.Configuration()
        configuration.prompt = layout.console.prompt
        configuration.ramBase = layout.window.loadAddress
        configuration.loadAddress = layout.window.loadAddress
        configuration.ramSize = Int(max(layout.window.size, 0x10000))
        self.configuration = configuration
    }
}
