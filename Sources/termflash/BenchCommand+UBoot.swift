import ArgumentParser
import Foundation
import TermflashCore
import TermflashHardware
import TermflashProtocols
import TermflashSimulator

extension BenchCommand {
    /// `termflash bench ymodem`: upload throughput over a pty against the pty's raw copy
    /// rate, and (with --qemu) against a real U-Boot under qemu.
    struct YModem: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ymodem",
            abstract: "Upload throughput over a pty (XMODEM/XMODEM-1K/YMODEM vs raw copy) and into U-Boot under qemu.")

        @Option(help: "Bytes per pty run, in MiB.")
        var mebibytes = 16

        @Option(help: "Repetitions; the median is reported.")
        var runs = 5

        @Option(help: "KiB uploaded to qemu's U-Boot per run (emulation-bound, about 20 KB/s).")
        var qemuKibibytes = 64

        @Flag(help: "Also measure uploads into U-Boot under qemu-system-arm.")
        var qemu = false

        func run() throws {
            let bytes = mebibytes << 20
            // Each run measures everything back to back, and shares are the median of the runs'
            // own ratios, so a change of load between measurements moves both sides alike. The
            // CPU time both ends spent per MiB (this process: host and far side, user and
            // kernel) is what the code costs, whatever the scheduler made of the wall time.
            let cases = XModemVariant.allCases.map { ($0, false) } + [(XModemVariant.ymodem, true)]
            var raws: [Measurement] = [], floors: [Measurement] = []
            var rates = [[Measurement]](repeating: [], count: cases.count)
            for _ in 0..<runs {
                raws.append(Measurement.take(bytes: bytes) { try PtyBench.rawCopy(bytes: bytes) })
                floors.append(Measurement.take(bytes: bytes) { try PtyBench.stopAndWait(bytes: bytes) })
                for (index, (variant, streaming)) in cases.enumerated() {
                    rates[index].append(Measurement.take(bytes: bytes) { try PtyBench.upload(bytes: bytes, variant: variant, streaming: streaming) })
                }
            }
            print(String(format: "pty raw copy: %.1f MiB/s, CPU %.2f ms/MiB (%d MiB, median of %d runs)",
                         median(raws.map(\.rate)) / 1_048_576, median(raws.map(\.cpuMillisecondsPerMiB)), mebibytes, runs))
            print(String(format: "pty stop-and-wait floor (1029 bytes out, 1 byte back, no protocol): %.1f MiB/s = %.1f %% of raw copy, CPU %.2f ms/MiB",
                         median(floors.map(\.rate)) / 1_048_576, share(floors, of: raws), median(floors.map(\.cpuMillisecondsPerMiB))))
            for (index, (variant, streaming)) in cases.enumerated() {
                let acknowledged = !streaming && variant != .xmodem
                print(String(format: "%@ upload over the pty: %.1f MiB/s = %.1f %% of raw copy", streaming ? "ymodem-g" : variant.rawValue,
                             median(rates[index].map(\.rate)) / 1_048_576, share(rates[index], of: raws))
                      + (acknowledged ? String(format: ", %.1f %% of the stop-and-wait floor", share(rates[index], of: floors)) : "")
                      + String(format: ", CPU %.2f ms/MiB", median(rates[index].map(\.cpuMillisecondsPerMiB))))
            }
            if qemu { try QemuBench.run(bytes: qemuKibibytes << 10) }
        }

        private func median(_ values: [Double]) -> Double {
            values.sorted()[values.count / 2]
        }

        /// The median over runs of the rate of `values[i]` against that of `bases[i]`, in percent.
        private func share(_ values: [Measurement], of bases: [Measurement]) -> Double {
            median(zip(values, bases).map { $1.rate > 0 ? $0.rate / $1.rate * 100 : 0 })
        }
    }
}

/// One timed transfer: its rate and the CPU time this process spent on it.
struct Measurement {
    var rate: Double
    var cpuMillisecondsPerMiB: Double

    /// Runs `body` (which returns bytes per second) and reads this process's CPU time around it;
    /// a failed run counts as rate 0.
    static func take(bytes: Int, _ body: () throws -> Double) -> Measurement {
        let before = cpuSeconds()
        let rate = (try? body()) ?? 0
        let spent = cpuSeconds() - before
        return Measurement(rate: rate, cpuMillisecondsPerMiB: spent * 1000 / (Double(bytes) / 1_048_576))
    }

    /// User and system time of every thread of the process so far.
    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let seconds = { (time: timeval) in Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// Measurements over a pseudo-terminal pair: the host on the real serial transport, the
/// device side on the master.
enum PtyBench {
    /// Bytes per second of a plain write of `bytes` through the pty, read on the far side.
    static func rawCopy(bytes: Int) throws -> Double {
        let port = try SimulatedSerialPort()
        let host = try SerialTransport(node: port.path)
        defer { host.close() }
        let done = DispatchSemaphore(value: 0)
        let device = port.device
        Thread.detachNewThread {
            var received = 0
            while received < bytes, let chunk = try? device.read(maxLength: 65536, deadline: .after(seconds: 10)) {
                received += chunk.count
            }
            done.signal()
        }
        let payload = [UInt8](repeating: 0x5A, count: 65536)
        let start = Deadline.now
        var sent = 0
        while sent < bytes {
            let piece = min(payload.count, bytes - sent)
            try host.write(Array(payload.prefix(piece)), deadline: .after(seconds: 10))
            sent += piece
        }
        done.wait()
        return Double(bytes) / seconds(since: start)
    }

    /// Bytes per second of the cheapest acknowledged exchange a pty allows: the host writes
    /// 1029 bytes (a 1 KiB block's size) and waits for one byte, the far side reads the 1029
    /// bytes and answers at once; 1024 bytes counted per round trip. No protocol code runs,
    /// so it is the ceiling of any stop-and-wait upload over this pty on this machine.
    static func stopAndWait(bytes: Int) throws -> Double {
        let port = try SimulatedSerialPort()
        let host = try SerialTransport(node: port.path)
        defer { host.close() }
        let device = port.device
        let rounds = bytes / 1024
        Thread.detachNewThread {
            for _ in 0..<rounds {
                var got = 0
                while got < 1029, let chunk = try? device.read(maxLength: 65536, deadline: .after(seconds: 10)) { got += chunk.count }
                guard (try? device.write([XModemByte.ack], deadline: .after(seconds: 5))) != nil else { return }
            }
        }
        let block = [UInt8](repeating: 0x5A, count: 1029)
        let start = Deadline.now
        for _ in 0..<rounds {
            try host.write(block, deadline: .after(seconds: 10))
            _ = try host.read(maxLength: 64, deadline: .after(seconds: 10))
        }
        return Double(rounds * 1024) / seconds(since: start)
    }

    /// Bytes per second of an upload of `bytes` to a receiver on the master side.
    static func upload(bytes: Int, variant: XModemVariant, streaming: Bool = false) throws -> Double {
        let port = try SimulatedSerialPort()
        let host = try SerialTransport(node: port.path)
        defer { host.close() }
        let device = port.device
        let received = ReceivedCount()
        Thread.detachNewThread {
            var receiver = XModemReceiver(mode: variant == .ymodem ? (streaming ? .ymodemStreaming : .ymodem) : .xmodem)
            try? device.write(receiver.startRequest, deadline: .after(seconds: 5))
            while !receiver.finished {
                guard let chunk = try? device.read(maxLength: 65536, deadline: .after(seconds: 10)) else { break }
                for reply in receiver.receive(chunk) { try? device.write(reply.bytes, deadline: .after(seconds: 5)) }
            }
            received.set(receiver.data.count)
        }
        let image = MemoryByteSource((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let start = Deadline.now
        _ = try XModemTransfer.send(image, variant: variant, over: host)
        let elapsed = seconds(since: start)
        guard received.wait() >= bytes else { throw ValidationError("the receiver got \(received.wait()) of \(bytes) bytes") }
        return Double(bytes) / elapsed
    }

    static func seconds(since start: Deadline) -> Double {
        Double(Deadline.now.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// A count handed from the receiver thread.
    final class ReceivedCount: @unchecked Sendable {
        private let ready = DispatchSemaphore(value: 0)
        private var value = 0
        private var isSet = false

        func set(_ count: Int) {
            value = count
            isSet = true
            ready.signal()
        }

        func wait() -> Int {
            if !isSet { ready.wait(); ready.signal() }
            return value
        }
    }
}

/// Uploads into Debian's U-Boot under qemu-system-arm's virt machine.
enum QemuBench {
    static func run(bytes: Int) throws {
        let firmware = "/usr/lib/u-boot/qemu_arm/u-boot.bin"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-system-arm")
        process.arguments = ["-M", "virt", "-m", "256", "-display", "none", "-nic", "none", "-monitor", "none",
                             "-bios", firmware, "-serial", "pty"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        guard FileManager.default.fileExists(atPath: firmware) else {
            throw ValidationError("\(firmware) is missing: run scripts/setup.sh (u-boot-qemu)")
        }
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var text = ""
        while !text.contains("/dev/pts/") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { throw ValidationError("qemu did not report its console: \(text)") }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let range = text.range(of: #"/dev/pts/\d+"#, options: .regularExpression) else { return }
        let transport = try SerialTransport(node: String(text[range]))
        defer { transport.close() }
        let console = UBootConsole(transport: transport, settings: .init(prompt: "=> ", attachTimeoutSeconds: 30))
        try console.attach()
        let image = MemoryByteSource((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        for variant in [XModemVariant.xmodem1K, .ymodem] {
            let start = Deadline.now
            try console.upload(image, variant: variant, to: 0x4020_0000)
            let elapsed = PtyBench.seconds(since: start)
            let crc = try console.crc32(address: 0x4020_0000, length: UInt64(bytes))
            print(String(format: "%@ upload into qemu U-Boot: %d KiB in %.2f s = %.1f KB/s (crc32 %@)", variant.rawValue,
                         bytes >> 10, elapsed, Double(bytes) / elapsed / 1000,
                         crc == CRC32.checksum(image.bytes) ? "matches" : "DIFFERS"))
        }
    }
}
