import ArgumentParser
import Foundation
import TermflashCore
import TermflashHardware
import TermflashSimulator

extension BenchCommand {
    /// `termflash bench edl`.
    struct EDL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edl",
            abstract: "Firehose program throughput and peak memory: in-process simulator, then over a pty next to the pty's raw copy rate.")

        @Option(help: "Image size in MiB for the in-process run.")
        var mebibytes = 256

        @Option(help: "Image size in MiB for the pty run (0 skips it).")
        var ptyMebibytes = 64

        @Option(help: "Repetitions of each measurement (interleaved); medians are reported.")
        var runs = 3

        @Option(help: "Firehose payload per raw chunk, in bytes.")
        var payloadSize = 1 << 20

        @Option(help: ArgumentHelp("Folder for the image and storage files (default: a new folder in /dev/shm, so the simulated storage is RAM and not the disk's write speed).", valueName: "dir"))
        var folder: String?

        func run() throws {
            let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
            let directory = folder ?? base + "/termflash-bench-edl-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if folder == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let image = directory + "/image.bin"
            let sha = try EDLBenchmark.writeImage(path: image, mebibytes: mebibytes)
            let storage = directory + "/storage.bin"
            defer { try? FileManager.default.removeItem(atPath: storage) }
            var inProcess: [EDLBenchmark.Result] = []
            for _ in 0..<runs {
                // Zeroed afresh before every run, outside the clock: each run's digest check
                // then proves its own writes.
                try EDLBenchmark.prepareStorage(path: storage, bytes: EDLBenchmark.storageBytes(forImage: UInt64(mebibytes) << 20))
                inProcess.append(try EDLBenchmark.programInProcess(imagePath: image, imageSHA256: sha, storagePath: storage, payloadSize: payloadSize))
            }
            let memory = median(inProcess, by: \.seconds)
            let cpu = median(inProcess, by: \.hostCPUSeconds)
            print(String(format: "in-process: programmed %d MiB in %.3f s = %.2f GiB/s wall (%@); host thread %.3f s CPU = %.2f GiB/s per host CPU second; medians of %d",
                         mebibytes, memory.seconds, memory.gibPerSecond,
                         inProcess.allSatisfy(\.verified) ? "device digest matches" : "DIGEST MISMATCH",
                         cpu.hostCPUSeconds, cpu.hostGiBPerCPUSecond, runs))
            print(String(format: "memory: peak RSS %.1f MiB after the program commands, %.1f MiB before the first (storage in %@)",
                         Double(inProcess.map(\.peakAfter).max()!) / 1_048_576, Double(inProcess[0].peakBefore) / 1_048_576, directory))
            guard ptyMebibytes > 0 else { return }
            let small = directory + "/pty-image.bin"
            let smallSHA = try EDLBenchmark.writeImage(path: small, mebibytes: ptyMebibytes)
            var overPTY: [EDLBenchmark.Result] = []
            var raw: [Double] = []
            for run in 0..<runs {
                raw.append(try rawPTYRate(mebibytes: ptyMebibytes))
                overPTY.append(try programOverPTY(image: small, sha: smallSHA, storage: directory + "/pty-storage-\(run).bin"))
                try? FileManager.default.removeItem(atPath: directory + "/pty-storage-\(run).bin")
            }
            let pty = median(overPTY, by: \.seconds)
            let rawRate = raw.sorted()[raw.count / 2]
            print(String(format: "pty: programmed %d MiB in %.3f s = %.1f MiB/s (%@); the pty's raw copy rate: %.1f MiB/s (%.0f%%); medians of %d (program %@; raw %@ MiB/s)",
                         ptyMebibytes, pty.seconds, pty.mibPerSecond, overPTY.allSatisfy(\.verified) ? "device digest matches" : "DIGEST MISMATCH",
                         rawRate, pty.mibPerSecond / rawRate * 100, runs,
                         overPTY.map { String(format: "%.0f", $0.mibPerSecond) }.joined(separator: "/"),
                         raw.map { String(format: "%.0f", $0) }.joined(separator: "/")))
        }

        private func median(_ results: [EDLBenchmark.Result], by key: (EDLBenchmark.Result) -> Double) -> EDLBenchmark.Result {
            results.sorted { key($0) < key($1) }[results.count / 2]
        }

        /// The flash through the real serial transport with the unit on the pty's master side.
        private func programOverPTY(image: String, sha: [UInt8], storage: String) throws -> EDLBenchmark.Result {
            let size = try FileByteSource(path: image).count
            let store = try EDLStorage(path: storage, lunCount: 1, lunBytes: size + (1 << 20), sectorSize: 512)
            var behaviour = EDLDeviceBehaviour()
            behaviour.maxPayloadToTarget = payloadSize
            let port = try PTYDevicePort()
            let device = EDLDevice(storage: store, transport: port, behaviour: behaviour)
            let done = DispatchGroup()
            done.enter()
            Thread {
                port.waitForHost()
                device.runSession()
                done.leave()
            }.start()
            let serial = try SerialTransport(node: port.slavePath, baud: 3_000_000)
            defer {
                serial.close()
                port.close()
                _ = done.wait(timeout: .now() + 5)
            }
            return try EDLBenchmark.program(imagePath: image, imageSHA256: sha, host: serial, payloadSize: payloadSize)
        }

        /// MiB/s of plain bytes from the slave (the tool's side) to the master, in payload-size writes.
        private func rawPTYRate(mebibytes: Int) throws -> Double {
            let port = try PTYDevicePort()
            let total = mebibytes << 20
            let reader = DispatchGroup()
            reader.enter()
            Thread {
                port.waitForHost(settleMilliseconds: 0)
                var received = 0
                while received < total, let bytes = try? port.read(maxLength: 1 << 20, deadline: .after(seconds: 10)) { received += bytes.count }
                reader.leave()
            }.start()
            let serial = try SerialTransport(node: port.slavePath, baud: 3_000_000)
            defer {
                serial.close()
                port.close()
            }
            usleep(50_000)
            let chunk = [UInt8](repeating: 0x5A, count: payloadSize)
            let started = Deadline.now
            var sent = 0
            while sent < total {
                try serial.write(chunk, deadline: .after(seconds: 10))
                sent += chunk.count
            }
            _ = reader.wait(timeout: .now() + 30)
            let seconds = Double(Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            return Double(sent) / seconds / 1_048_576
        }
    }
}
