import Foundation

/// qemu-system-arm's `virt` machine running Debian's U-Boot, its serial console on a pty
/// and a raw virtio-blk disk image the test can read from outside.
public final class QemuUBoot {
    /// Debian's build of U-Boot for the machine (package u-boot-qemu).
    public static let firmware = "/usr/lib/u-boot/qemu_arm/u-boot.bin"

    /// The console's pty, e.g. `/dev/pts/4`.
    public let consolePath: String
    /// The disk image behind `virtio 0`.
    public let diskPath: String
    private let process: Process

    /// Starts qemu with a zeroed disk of `diskBytes`; fails with what to install when qemu
    /// or U-Boot is missing.
    public init(diskBytes: Int = 4 << 20, folder: String? = nil) throws {
        guard let qemu = which("qemu-system-arm"), FileManager.default.fileExists(atPath: Self.firmware) else {
            throw QemuError.missing("qemu-system-arm and \(Self.firmware) are needed: run scripts/setup.sh (packages qemu-system-arm u-boot-qemu)")
        }
        let directory = try folder ?? Fixtures.temporaryDirectory("qemu")
        diskPath = directory + "/disk.img"
        FileManager.default.createFile(atPath: diskPath, contents: nil)
        let disk = try FileHandle(forWritingTo: URL(fileURLWithPath: diskPath))
        try disk.truncate(atOffset: UInt64(diskBytes))
        try disk.close()
        process = Process()
        process.executableURL = URL(fileURLWithPath: qemu)
        process.arguments = ["-M", "virt", "-m", "256", "-display", "none", "-nic", "none", "-monitor", "none",
                             "-bios", Self.firmware, "-serial", "pty",
                             "-drive", "if=none,id=d0,format=raw,file=\(diskPath)", "-device", "virtio-blk-device,drive=d0"]
        var environment = ProcessInfo.processInfo.environment
        for key in ["LD_PRELOAD", "UMOCKDEV_DIR"] { environment.removeValue(forKey: key) }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        consolePath = try Self.readConsolePath(from: output.fileHandleForReading, process: process)
    }

    deinit { stop() }

    /// Stops qemu (the disk image stays).
    /// Ends qemu: SIGTERM, then SIGKILL, since a child of the test runner inherits its
    /// blocked SIGTERM and would otherwise run on forever.
    public func stop() {
        process.stopForTest()
    }

    /// `length` bytes of the disk image from `offset`.
    public func disk(offset: Int, length: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: diskPath))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return [UInt8](try handle.read(upToCount: length) ?? Data())
    }

    /// qemu prints `char device redirected to /dev/pts/N (label serial0)`.
    private static func readConsolePath(from handle: FileHandle, process: Process) throws -> String {
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"/dev/pts/\d+"#, options: .regularExpression) { return String(text[range]) }
        }
        process.stopForTest()
        throw QemuError.noConsole(output: text)
    }
}

/// qemu could not be started.
public enum QemuError: Error, CustomStringConvertible {
    case missing(String)
    case noConsole(output: String)

    public var description: String {
        switch self {
        case let .missing(what): return what
        case let .noConsole(output): return "qemu did not report its console pty; it printed: \(output)"
        }
    }
}

/// A deterministic test image: byte i is (31·i + i/512) mod 256, so a shifted or repeated
/// block shows and a recorded session replays with the same bytes.
public func uBootTestImage(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) }
}
