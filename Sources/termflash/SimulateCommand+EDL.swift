import ArgumentParser
import Foundation
import TermflashCore
import TermflashImages
import TermflashSimulator

extension SimulateCommand {
    /// `termflash simulate edl`.
    struct SimulateEDL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edl", abstract: "A Qualcomm unit in emergency download mode (Sahara boot ROM + Firehose programmer) over a storage file.",
            discussion: """
            LUN n lives at byte n × (file size / --luns) of the storage file. A new file is made with --size-mib per LUN;
            --format writes a GPT with sample partitions to every LUN. With --pty the unit waits on a pseudo-terminal
            (its path is printed first) and boots again at Sahara for every program that opens it; `power off` ends it.
            """)

        @Option(help: ArgumentHelp("The storage file (created when missing).", valueName: "file"))
        var storage: String

        @Flag(help: "Serve on a pseudo-terminal and print its path.")
        var pty = false

        @Option(help: "Number of LUNs.")
        var luns = 2

        @Option(help: "Size of each LUN in MiB for a new storage file (default 64, or what --sample-set needs).")
        var sizeMib: Int?

        @Option(help: ArgumentHelp("Also write a generated rawprogram set for this storage (and a stand-in programmer, prog_firehose_sim.elf) into this folder.",
                                   valueName: "dir"))
        var sampleSet: String?

        @Option(help: "Bytes per sector: 512 (eMMC) or 4096 (UFS).")
        var sectorSize = 512

        @Option(help: "Storage type the programmer accepts: emmc, ufs, nand, spinor.")
        var memory = "emmc"

        @Option(help: "Largest raw chunk the programmer takes, in bytes.")
        var payloadSize = 1 << 20

        @Flag(help: "Write a GPT with sample partitions to every LUN first.")
        var format = false

        @Option(help: "Fault: NAK the Nth Firehose command of a boot (once).")
        var nakAt: Int?

        @Option(help: "Fault: vanish after this many programmed bytes.")
        var disconnectAfter: UInt64?

        @Flag(help: "Fault: report wrong SHA-256 digests.")
        var wrongDigest = false

        @Option(help: "Fault: pause this many milliseconds per received chunk.")
        var slowMs = 0

        @Flag(help: "Fault: lose the first Sahara HELLO.")
        var swallowHello = false

        @Flag(help: "Send a log line after every ACK (as MSM8916 programmers do).")
        var logsAfterAck = false

        @Option(help: ArgumentHelp("A Firehose command the programmer does not know (NAKs it); repeatable.", valueName: "command"))
        var unsupported: [String] = []

        @Flag(help: "Print every Sahara/Firehose step.")
        var verbose = false

        func validate() throws {
            guard [512, 4096].contains(sectorSize) else { throw ValidationError("--sector-size must be 512 or 4096") }
            guard (1...8).contains(luns) else { throw ValidationError("--luns must be 1 to 8") }
            guard (sizeMib ?? 1) >= 1 else { throw ValidationError("--size-mib must be at least 1") }
        }

        func run() throws {
            SimulateCommand.acceptTerminationSignals()
            try reportingErrors {
                let sample = try sampleSet.map { try writeSample(into: $0) }
                let needed = sample.map { $0.luns.map(\.diskSectors).max()! * UInt64(sectorSize) }
                let store = try EDLStorage(path: storage, lunCount: luns, lunBytes: sizeMib.map { UInt64($0) << 20 } ?? needed ?? 64 << 20,
                                           sectorSize: sectorSize)
                if let needed, store.lunBytes < needed {
                    throw ValidationError("\(storage) has \(store.lunBytes) bytes per LUN; the sample set needs \(needed): remove the file or give --size-mib")
                }
                if format { try formatGPT(store) }
                print("storage \(storage): \(luns) LUN(s) of \(store.sectorsPerLUN) sectors × \(sectorSize) bytes (\(humanBytes(store.lunBytes)) each)")
                guard pty else { return }
                try serve(store)
            }
        }

        /// A sample set for this geometry and the stand-in programmer beside it.
        private func writeSample(into folder: String) throws -> SampleRawProgramSet {
            let sample = try SampleRawProgramSet.generate(in: URL(fileURLWithPath: folder), seed: 1, sectorSize: sectorSize, luns: luns)
            try Data(EDLProgrammerImage.make()).write(to: URL(fileURLWithPath: folder).appendingPathComponent("prog_firehose_sim.elf"))
            print("sample rawprogram set in \(folder): \(sample.images.count) images on \(luns) LUN(s), programmer prog_firehose_sim.elf")
            return sample
        }

        private var behaviour: EDLDeviceBehaviour {
            var behaviour = EDLDeviceBehaviour()
            behaviour.memoryNames = [memory]
            behaviour.maxPayloadToTarget = payloadSize
            behaviour.logsAfterAck = logsAfterAck
            behaviour.supportedCommands.subtract(unsupported)
            behaviour.productName = memory == "ufs" ? "SIMUFS" : "SIMEMMC"
            behaviour.faults.nakAtCommand = nakAt
            behaviour.faults.disconnectAfterBytes = disconnectAfter
            behaviour.faults.wrongDigest = wrongDigest
            behaviour.faults.slowMillisecondsPerChunk = slowMs
            behaviour.faults.swallowFirstHello = swallowHello
            return behaviour
        }

        private func serve(_ store: EDLStorage) throws {
            let port = try PTYDevicePort()
            print("EDL simulator on \(port.slavePath)")
            fflush(stdout)
            let device = EDLDevice(storage: store, transport: port, behaviour: behaviour)
            if verbose { device.onEvent = { print("  \($0)"); fflush(stdout) } }
            var seen = device.record
            while true {
                port.waitForHost()
                let reason = device.runSession()
                store.synchronize()
                let record = device.record
                print("session ended (\(reason)): \(record.commands.count - seen.commands.count) Firehose command(s), "
                      + "\(record.programBytes - seen.programBytes) bytes programmed")
                seen = record
                fflush(stdout)
                if record.power == "off" { return }
                guard port.isOpen else {
                    print("the unit vanished from \(port.slavePath) (--disconnect-after); start the simulator again to go on")
                    return
                }
                port.waitForHostToLeave()
            }
        }

        private func formatGPT(_ store: EDLStorage) throws {
            var random = SplitMix64(seed: 0xED1)
            for lun in 0..<store.lunCount {
                let sectorsPerMiB = UInt64(1 << 20) / UInt64(store.sectorSize)
                let names = lun == 0 ? ["sbl1", "aboot", "boot", "modem", "userdata"] : ["fsg", "persist"]
                let partitions = names.enumerated().map { index, name in
                    GPTBuilder.Partition(name: name, typeGUID: GUID.random(using: &random), uniqueGUID: GUID.random(using: &random),
                                         sectors: index == names.count - 1 ? nil : sectorsPerMiB)
                }
                let image = try GPTBuilder(sectorSize: store.sectorSize, diskSectors: store.sectorsPerLUN, diskGUID: GUID.random(using: &random),
                                           partitions: partitions).build()
                try store.write(lun: lun, offset: 0, bytes: image.primary)
                try store.write(lun: lun, offset: image.backupStartLBA * UInt64(store.sectorSize), bytes: image.backup)
            }
        }
    }
}
