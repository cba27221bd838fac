import TermflashCore

/// Feeds mutated captures and scripts to every reader and decoder: each input must give
/// a result or a typed error, never a crash or a hang. Used by the test suite (a few
/// thousand inputs) and by `termflash bench fuzz-captures` (a million or more).
public struct CaptureFuzzer {
    /// What a run saw.
    public struct Report: Sendable, CustomStringConvertible {
        public var inputs = 0
        public var parsed = 0
        public var rejected = 0
        public var messages = 0

        public var description: String {
            "\(inputs) inputs: \(parsed) read, \(rejected) refused with a typed error, \(messages) messages decoded"
        }
    }

    private var random: SplitMix64
    private let seeds: [[UInt8]]

    /// A fuzzer mutating `seeds` (valid captures and scripts) with a reproducible generator.
    public init(seeds: [[UInt8]], seed: UInt64 = 0x5EED) {
        precondition(!seeds.isEmpty, "fuzzing needs at least one valid input to mutate")
        self.seeds = seeds
        random = SplitMix64(seed: seed)
    }

    /// Runs `count` mutated inputs through the readers.
    public mutating func run(count: Int) -> Report {
        var report = Report()
        for _ in 0..<count {
            let input = mutate(seeds[Int(random.next() % UInt64(seeds.count))])
            report.inputs += 1
            if let messages = Self.read(input) {
                report.parsed += 1
                report.messages += messages
            } else {
                report.rejected += 1
            }
        }
        return report
    }

    /// Reads one input the way `capture show --protocol auto` does; `nil` for a typed refusal.
    static func read(_ input: [UInt8]) -> Int? {
        do {
            let dialogue: DeviceDialogue
            if CaptureSource.isPacketCapture(input) {
                dialogue = try DeviceDialogue(USBCapture(CaptureFile(bytes: input, name: "fuzz")))
            } else {
                dialogue = try UMockDevScript.dialogue(parsing: input, name: "fuzz")
            }
            return CaptureDecoders.decode(dialogue, with: CaptureDecoders.detect(dialogue), relativeTimes: false).count
        } catch {
            return nil
        }
    }

    private mutating func mutate(_ seed: [UInt8]) -> [UInt8] {
        var bytes = seed
        let rounds = 1 + Int(random.next() % 4)
        for _ in 0..<rounds where !bytes.isEmpty {
            let position = Int(random.next() % UInt64(bytes.count))
            switch random.next() % 6 {
            case 0: bytes[position] ^= UInt8(1 << (random.next() % 8))
            case 1: bytes[position] = [0x00, 0xFF, 0x7F, 0x80, 0x7E, 0x5E, 0x0A][Int(random.next() % 7)]
            case 2: bytes.removeSubrange(position...)
            case 3: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + Int(random.next() % 64))], at: position)
            case 4: overwriteWord(&bytes, at: position)
            default: bytes.remove(at: position)
            }
        }
        return bytes
    }

    /// Puts an extreme 32-bit value (a length or count field's worst case) at `position`.
    private mutating func overwriteWord(_ bytes: inout [UInt8], at position: Int) {
        let values: [UInt32] = [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 12, 0xFFFF_FFF0, UInt32(bytes.count)]
        let value = values[Int(random.next() % UInt64(values.count))]
        for index in 0..<4 where position + index < bytes.count {
            bytes[position + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index)))
        }
    }
}
