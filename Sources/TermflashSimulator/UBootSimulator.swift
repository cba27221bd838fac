import Foundation
import TermflashCore
import TermflashCrypto
import TermflashProtocols

/// The device side of a U-Boot serial console: autoboot countdown, a line editor with echo,
/// `loadx`/`loady` receivers, `crc32`, `md5sum`, `sha1sum`, `hash`, `help`, `md.b`, `mw.b`
/// and the `nand`, `sf`, `mmc` and `virtio` commands over a ``FlashStore`` (one chip per
/// LUN). Any command can be left out of the build (``Configuration/missingCommands``). Output follows U-Boot
/// 2023.01's wording, so the host's console driver meets what a board prints.
public final class UBootSimulator {
    /// One chip of the simulated board.
    public struct Chip: Sendable {
        public var kind: UBootFlashKind
        /// The store LUN holding it.
        public var lun: Int
        /// Erase block (NAND, NOR).
        public var eraseBlockSize: Int

        public init(kind: UBootFlashKind, lun: Int, eraseBlockSize: Int = 0x10000) {
            self.kind = kind
            self.lun = lun
            self.eraseBlockSize = eraseBlockSize
        }
    }

    /// How the board behaves.
    public struct Configuration: Sendable {
        public var prompt = "=> "
        /// Seconds of the autoboot countdown; a key during it stops at the prompt.
        public var bootDelaySeconds = 1.0
        public var ramBase: UInt64 = 0x4000_0000
        public var ramSize = 0x100_0000
        public var loadAddress: UInt64 = 0x4020_0000
        /// U-Boot's late `C` after the YMODEM header, in seconds (about 4.25 on real U-Boot).
        public var ymodemStartDelaySeconds = 0.0
        /// NAND offsets (chip-relative) that report a bad block when erased or written.
        public var badBlocks: Set<UInt64> = []
        /// Commands this build lacks (`Unknown command`), e.g. `md5sum`, `sha1sum`, `hash`.
        public var missingCommands: Set<String> = []
        /// Flip a bit in what `nand/sf/mmc/virtio write` stores, once, at this chip offset.
        public var corruptWriteAt: UInt64?
        /// Stay powered off until the host sends its first byte (as a person switches the
        /// router on once termflash waits), so the autoboot window cannot pass unseen.
        public var powerOnAtFirstByte = false

        public init() {}
    }

    public let store: FlashStore
    public let chips: [Chip]
    public var configuration: Configuration
    /// Every command line received, in order (tests check what the host ran).
    public private(set) var commandLog: [String] = []
    private var ram: [UInt8]
    private var mmcDevice = 0
    private var flashProbed = false
    private var environment: [String: String] = [:]
    private var transport: Transport!

    /// A board with `chips` over `store`.
    public init(store: FlashStore, chips: [Chip], configuration: Configuration = Configuration()) {
        self.store = store
        self.chips = chips
        self.configuration = configuration
        ram = [UInt8](repeating: 0, count: configuration.ramSize)
    }

    /// Boots and serves the console until the host goes away (or `reset` with `stopOnReset`).
    public func serve(over transport: Transport, stopOnReset: Bool = false) {
        self.transport = transport
        do {
            if configuration.powerOnAtFirstByte { _ = try transport.read(maxLength: 1, deadline: .never) }
            repeat {
                try boot()
                try commandLoop()
            } while !stopOnReset
        } catch {
            return  // the host closed the port
        }
    }

    // MARK: Boot and line editing

    private struct Reset: Error {}

    private func boot() throws {
        try say("\r\n\r\nU-Boot 2023.01 (termflash simulator)\r\n\r\nDRAM:  \(configuration.ramSize >> 20) MiB\r\n")
        try say("Hit any key to stop autoboot: \(Int(configuration.bootDelaySeconds.rounded(.up))) ")
        let deadline = Deadline.after(seconds: configuration.bootDelaySeconds)
        do {
            _ = try transport.read(maxLength: 256, deadline: deadline)
            try say("\u{8}\u{8}\u{8} 0 \r\n")
        } catch {
            guard case .timedOut? = error as? TransportError else { throw error }
            try say("\r\nStarting kernel ...\r\n")
            while true { _ = try transport.read(maxLength: 256, deadline: .never) }  // booted: deaf to the console
        }
    }

    private func commandLoop() throws {
        var line: [UInt8] = []
        try say(configuration.prompt)
        while true {
            for byte in try transport.read(maxLength: 4096, deadline: .never) {
                switch byte {
                case UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                    try say("\r\n")
                    let command = String(decoding: line, as: UTF8.self)
                    line.removeAll()
                    do {
                        try execute(command)
                    } catch is Reset {
                        return
                    } catch is SkipRest {
                        // the command printed its error
                    }
                    try say(configuration.prompt)
                case 0x03:
                    line.removeAll()
                    try say("<INTERRUPT>\r\n" + configuration.prompt)
                case 0x08, 0x7F:
                    if !line.isEmpty { line.removeLast(); try say("\u{8} \u{8}") }
                default:
                    line.append(byte)
                    try transport.write([byte], deadline: .after(seconds: 5))
                }
            }
        }
    }

    private func say(_ text: String) throws {
        try transport.write(Array(text.utf8), deadline: .after(seconds: 5))
    }

    private func sayLines(_ lines: [String]) throws {
        try say(lines.map { $0 + "\r\n" }.joined())
    }

    // MARK: Commands

    private func execute(_ line: String) throws {
        let words = line.split(separator: " ").map(String.init)
        guard let name = words.first else { return }
        commandLog.append(line)
        if configuration.missingCommands.contains(name) {
            return try sayLines(["Unknown command '\(name)' - try 'help'"])
        }
        let arguments = Array(words.dropFirst())
        switch name {
        case "version": try sayLines(["U-Boot 2023.01 (termflash simulator)"])
        case "reset": try sayLines(["resetting ..."]); throw Reset()
        case "crc32": try crc32(arguments)
        case "help": try help(arguments)
        case "md5sum": try digest(.md5, name: "md5sum", arguments)
        case "sha1sum": try digest(.sha1, name: "sha1sum", arguments)
        case "hash": try hash(arguments)
        case "md.b": try memoryDisplay(arguments)
        case "mw.b": try memoryWrite(arguments)
        case "loadx": try load(arguments, mode: .xmodem)
        case "loady": try load(arguments, mode: .ymodem)
        case "nand": try nand(arguments)
        case "sf": try serialFlash(arguments)
        case "mmc": try blockCommand("mmc", arguments)
        case "virtio": try blockCommand("virtio", arguments)
        case "printenv": try sayLines(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        default: try sayLines(["Unknown command '\(name)' - try 'help'"])
        }
    }

    private func number(_ text: String?) -> UInt64? {
        guard var text else { return nil }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text.removeFirst(2) }
        if text == "$loadaddr" || text == "${loadaddr}" { return configuration.loadAddress }
        return UInt64(text, radix: 16)
    }

    private func ramRange(_ address: UInt64, _ length: UInt64) -> Range<Int>? {
        guard address >= configuration.ramBase else { return nil }
        let start = address - configuration.ramBase
        guard start + length <= UInt64(ram.count) else { return nil }
        return Int(start)..<Int(start + length)
    }

    private func crc32(_ arguments: [String]) throws {
        guard let address = number(arguments.first), let length = number(arguments.dropFirst().first), length > 0,
              let range = ramRange(address, length) else {
            return try sayLines(["crc32 - checksum calculation", "", "Usage:", "crc32 address count [addr]"])
        }
        let value = CRC32.checksum(Array(ram[range]))
        try sayLines(["crc32 for \(hex8(UInt32(truncatingIfNeeded: address))) ... \(hex8(UInt32(truncatingIfNeeded: address + length - 1))) ==> \(hex8(value))"])
    }

    /// One-line summaries, as `help NAME` prints them before the usage.
    private static let summaries = [
        "crc32": ("checksum calculation", "address count [addr]"),
        "md5sum": ("compute MD5 message digest", "address count [[*]sum]"),
        "sha1sum": ("compute SHA1 message digest", "address count [[*]sum]"),
        "hash": ("compute hash message digest", "algorithm address count [[*]hash_dest]"),
        "md": ("memory display", "[.b, .w, .l, .q] address [# of objects]"),
        "mw": ("memory write (fill)", "[.b, .w, .l, .q] address value [count]"),
        "loadx": ("load binary file over serial line (xmodem mode)", "[ off ] [ baud ]"),
        "loady": ("load binary file over serial line (ymodem mode)", "[ off ] [ baud ]"),
        "version": ("print monitor, compiler and linker version", ""),
    ]

    private func help(_ arguments: [String]) throws {
        for name in arguments {
            guard let (summary, usage) = Self.summaries[name], !configuration.missingCommands.contains(name) else {
                try sayLines(["Unknown command '\(name)' - try 'help' without arguments for list of all known commands", ""])
                continue
            }
            try sayLines(["\(name) - \(summary)", "", "Usage:", "\(name) \(usage)"])
        }
    }

    /// `md5sum`/`sha1sum ADDRESS COUNT`: `md5 for 40200000 ... 40207fff ==> <hex>`.
    private func digest(_ algorithm: DigestAlgorithm, name: String, _ arguments: [String]) throws {
        guard let address = number(arguments.first), let length = number(arguments.dropFirst().first), length > 0,
              let range = ramRange(address, length) else {
            let (summary, usage) = Self.summaries[name] ?? ("", "")
            return try sayLines(["\(name) - \(summary)", "", "Usage:", "\(name) \(usage)"])
        }
        try sayLines([Self.digestLine(algorithm, address: address, length: length, bytes: ram[range])])
    }

    /// `hash ALGORITHM ADDRESS COUNT` (common/hash.c wording).
    private func hash(_ arguments: [String]) throws {
        guard let name = arguments.first, arguments.count >= 3 else {
            return try sayLines(["hash - compute hash message digest", "", "Usage:", "hash algorithm address count [[*]hash_dest]"])
        }
        guard let algorithm = DigestAlgorithm(rawValue: name.lowercased()) else {
            return try sayLines(["Unknown hash algorithm '\(name)'", "hash - compute hash message digest", "", "Usage:",
                                 "hash algorithm address count [[*]hash_dest]"])
        }
        guard let address = number(arguments[1]), let length = number(arguments[2]), length > 0,
              let range = ramRange(address, length) else {
            return try sayLines(["Usage:", "hash algorithm address count [[*]hash_dest]"])
        }
        try sayLines([Self.digestLine(algorithm, address: address, length: length, bytes: ram[range])])
    }

    private static func digestLine(_ algorithm: DigestAlgorithm, address: UInt64, length: UInt64, bytes: ArraySlice<UInt8>) -> String {
        let first = String(format: "%08llx", address), last = String(format: "%08llx", address + length - 1)
        return "\(algorithm.rawValue) for \(first) ... \(last) ==> \(MessageDigest.hash(algorithm, Array(bytes)).hexString)"
    }

    private func memoryDisplay(_ arguments: [String]) throws {
        guard let address = number(arguments.first), let length = number(arguments.dropFirst().first),
              let range = ramRange(address, length) else {
            return try sayLines(["Usage:", "md [.b, .w, .l, .q] address [# of objects]"])
        }
        var text = ""
        for lineStart in stride(from: range.lowerBound, to: range.upperBound, by: 16) {
            let bytes = ram[lineStart..<min(lineStart + 16, range.upperBound)]
            let hexPart = bytes.map { " " + String(format: "%02x", $0) }.joined()
            let padding = String(repeating: "   ", count: 16 - bytes.count)
            let ascii = String(bytes.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
            text += String(format: "%08x:", UInt64(lineStart) + configuration.ramBase) + hexPart + padding + "  " + ascii + "\r\n"
        }
        try say(text)
    }

    private func memoryWrite(_ arguments: [String]) throws {
        guard let address = number(arguments.first), let value = number(arguments.dropFirst().first),
              let range = ramRange(address, number(arguments.dropFirst(2).first) ?? 1) else {
            return try sayLines(["Usage:", "mw [.b, .w, .l, .q] address value [count]"])
        }
        for index in range { ram[index] = UInt8(truncatingIfNeeded: value) }
    }

    // MARK: Uploads

    private func load(_ arguments: [String], mode: XModemReceiver.Mode) throws {
        let address = number(arguments.first) ?? configuration.loadAddress
        let kind = mode == .ymodem ? "ymodem" : "xmodem"
        try sayLines(["## Ready for binary (\(kind)) download to \(hex8(UInt32(truncatingIfNeeded: address))) at 115200 bps..."])
        var receiver = XModemReceiver(mode: mode, headerStartDelaySeconds: configuration.ymodemStartDelaySeconds)
        try transport.write(receiver.startRequest, deadline: .after(seconds: 5))
        var quietRounds = 0
        while !receiver.finished {
            var replies: [XModemReceiver.Reply] = []
            if let bytes = try readOrTimeout() {
                replies = receiver.receive(bytes)
                quietRounds = 0
            } else {
                quietRounds += 1
                if quietRounds > 60 { break }
                replies = receiver.timedOut()
            }
            for reply in replies {
                if reply.delaySeconds > 0 { Thread.sleep(forTimeInterval: reply.delaySeconds) }
                try transport.write(reply.bytes, deadline: .after(seconds: 5))
            }
        }
        guard !receiver.cancelled, receiver.finished, let range = ramRange(address, UInt64(receiver.data.count)) else {
            return try sayLines(["## Binary (\(kind)) download aborted"])
        }
        ram.replaceSubrange(range, with: receiver.data)
        let size = receiver.data.count
        environment["filesize"] = String(size, radix: 16)
        try sayLines(["## Total Size      = 0x\(hex8(UInt32(size))) = \(size) Bytes"])
    }

    /// One read with a one-second timeout; nil when nothing came.
    private func readOrTimeout() throws -> [UInt8]? {
        do {
            return try transport.read(maxLength: 4096, deadline: .after(seconds: 1))
        } catch {
            if case .timedOut = error { return nil }
            throw error
        }
    }

    // MARK: Flash

    private func chip(_ kind: UBootFlashKind) -> Chip? {
        chips.first { $0.kind == kind }
    }

    private func nand(_ arguments: [String]) throws {
        guard let chip = chip(.nand) else { return try sayLines(["no devices available"]) }
        let action = arguments.first ?? ""
        let values = arguments.dropFirst().map(number)
        switch action {
        case "erase":
            guard values.count == 2, let offset = values[0], let length = values[1] else { return try sayLines(["Usage:", "nand erase off size"]) }
            try sayLines(["", "NAND erase: device 0 offset \(hex(offset)), size \(hex(length))"])
            if let bad = badBlock(in: offset, length) { return try sayLines(["Skipping bad block at  \(hex8(UInt32(bad)))"]) }
            try flashOperation { try store.erase(lun: chip.lun, offset: offset, length: length) }
            try sayLines(["Erasing at \(hex(offset + length - UInt64(chip.eraseBlockSize))) -- 100% complete.", "OK"])
        case "write", "read":
            guard values.count == 3, let address = values[0], let offset = values[1], let length = values[2],
                  let range = ramRange(address, length) else { return try sayLines(["Usage:", "nand \(action) addr off size"]) }
            try sayLines(["", "NAND \(action): device 0 offset \(hex(offset)), size \(hex(length))"])
            if let bad = badBlock(in: offset, length) { return try sayLines(["Skip bad block \(hex(bad))", " \(action) error"]) }
            try transfer(action, chip: chip, range: range, offset: offset)
            try sayLines([" \(length) bytes \(action == "write" ? "written" : "read"): OK"])
        default:
            try sayLines(["Usage:", "nand info - show available NAND devices"])
        }
    }

    private func serialFlash(_ arguments: [String]) throws {
        guard let chip = chip(.spiNOR) else { return try sayLines(["Invalid bus 0 (err=-19)", "Failed to initialize SPI flash at 0:0 (error -19)"]) }
        let action = arguments.first ?? ""
        if action == "probe" {
            flashProbed = true
            return try sayLines(["SF: Detected simulated-nor with page size 256 Bytes, erase size \(chip.eraseBlockSize >> 10) KiB, total \(store.units[chip.lun].size >> 20) MiB"])
        }
        guard flashProbed else { return try sayLines(["No SPI flash selected. Please run `sf probe'"]) }
        let values = arguments.dropFirst().map(number)
        switch action {
        case "erase":
            guard values.count == 2, let offset = values[0], let length = values[1] else { return try sayLines(["Usage:", "sf erase offset len"]) }
            guard offset % UInt64(chip.eraseBlockSize) == 0, length % UInt64(chip.eraseBlockSize) == 0 else {
                return try sayLines(["ERROR: attempting erase past flash size or unaligned (offset \(hex(offset)), len \(hex(length)))"])
            }
            try flashOperation { try store.erase(lun: chip.lun, offset: offset, length: length) }
            try sayLines(["SF: \(length) bytes @ \(hex(offset)) Erased: OK"])
        case "write", "read":
            guard values.count == 3, let address = values[0], let offset = values[1], let length = values[2],
                  let range = ramRange(address, length) else { return try sayLines(["Usage:", "sf \(action) addr offset len"]) }
            try sayLines(["device 0 offset \(hex(offset)), size \(hex(length))"])
            try transfer(action, chip: chip, range: range, offset: offset)
            try sayLines(["SF: \(length) bytes @ \(hex(offset)) \(action == "write" ? "Written" : "Read"): OK"])
        default:
            try sayLines(["Usage:", "sf probe [[bus:]cs] [hz] [mode]"])
        }
    }

    private func blockCommand(_ family: String, _ arguments: [String]) throws {
        guard let chip = chip(family == "mmc" ? .emmc : .virtio) else { return try sayLines(["No \(family) device available"]) }
        let action = arguments.first ?? ""
        let values = arguments.dropFirst().map(number)
        switch action {
        case "scan", "info": return
        case "dev":
            mmcDevice = Int(values.first.flatMap { $0 } ?? 0)
            guard mmcDevice == 0 else { return try sayLines(["Can't set block device"]) }
            try sayLines(family == "mmc" ? ["switch to partitions #0, OK", "mmc0 is current device"] : ["", "Device 0: QEMU VirtIO Block Device", "... is now current device"])
        case "write", "read":
            guard values.count == 3, let address = values[0], let block = values[1], let count = values[2],
                  let range = ramRange(address, count * 512) else { return try sayLines(["Usage:", "\(family) \(action) addr blk# cnt"]) }
            let title = family == "mmc" ? "MMC \(action): dev # 0, block # \(block), count \(count) ..." : "\(family) \(action): device 0 block # \(block), count \(count) ... "
            try sayLines(["", title])
            try transfer(action, chip: chip, range: range, offset: block * 512)
            try sayLines(["\(count) blocks \(action == "write" ? "written" : "read"): OK"])
        default:
            try sayLines(["Usage:", "\(family) read addr blk# cnt"])
        }
    }

    private func transfer(_ action: String, chip: Chip, range: Range<Int>, offset: UInt64) throws {
        if action == "write" {
            var bytes = Array(ram[range])
            if let corrupt = configuration.corruptWriteAt, corrupt >= offset, corrupt < offset + UInt64(bytes.count) {
                bytes[Int(corrupt - offset)] ^= 0x01
                configuration.corruptWriteAt = nil
            }
            try flashOperation { try store.write(lun: chip.lun, offset: offset, bytes: bytes) }
        } else {
            try flashOperation { ram.replaceSubrange(range, with: try store.read(lun: chip.lun, offset: offset, length: range.count)) }
        }
    }

    private func flashOperation(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as FlashStoreError {
            try sayLines(["Error: \(error)"])
            throw SkipRest()
        }
    }

    private struct SkipRest: Error {}

    private func badBlock(in offset: UInt64, _ length: UInt64) -> UInt64? {
        configuration.badBlocks.sorted().first { $0 >= offset && $0 < offset + length }
    }
}
