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
            let memory = try EDLBenchmark.programInProcess(imagePath: image, imageSHA256: sha, storagePath: directory + "/storage.bin",
                                                           payloadSize: payloadSize)
            print(String(format: "in-process: programmed %d MiB in %.3f s = %.2f GiB/s wall (%@); host thread %.3f s CPU = %.2f GiB/s per host CPU second",
                         mebibytes, memory.seconds, memory.gibPerSecond, memory.verified ? "device digest matches" : "DIGEST MISMATCH",
                         memory.hostCPUSeconds, memory.hostGiBPerCPUSecond))
            print(String(format: "memory: peak RSS %.1f MiB after the program command, %.1f MiB before it (storage in %@)",
                         Double(memory.peakAfter) / 1_048_576, Double(memory.peakBefore) / 1_048_576, directory))
            guard ptyMebibytes > 0 else { return }
            let small = directory + "/pty-image.bin"
            let smallSHA = try EDLBenchmark.writeImage(path: small, mebibytes: ptyMebibytes)
            let overPTY = try programOverPTY(image: small, sha: smallSHA, storage: directory + "/pty-storage.bin")
            let raw = try rawPTYRate(mebibytes: ptyMebibytes)
            print(String(format: "pty: programmed %d MiB in %.3f s = %.1f MiB/s (%@); the pty's raw copy rate: %.1f MiB/s (%.0f%%)",
                         ptyMebibytes, overPTY.seconds, overPTY.mibPerSecond, overPTY.verified ? "device digest matches" : "DIGEST MISMATCH",
                         raw, overPTY.mibPerSecond / raw * 100))
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
