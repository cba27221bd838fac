import TermflashCore
import TermflashCrypto

/// Feeds mutated patches to the decoder: bit flips, byte and field overwrites with boundary
/// values, truncation and insertion; most are resealed (trailer digest recomputed) so the
/// mutation reaches the chunk parser, the LZMA streams and the operations.
public struct DeltaFuzzer {
    /// What a run saw.
    public struct Report: CustomStringConvertible, Sendable {
        public var inputs = 0
        public var applied = 0
        public var rejected: [String: Int] = [:]
        public var unexpected: [String] = []

        public var description: String {
            let kinds = rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "\(inputs) mutated patches: \(applied) applied, rejected: \(kinds)"
                + (unexpected.isEmpty ? "" : "; UNEXPECTED errors: \(unexpected.prefix(5).joined(separator: " | "))")
        }
    }

    private let seeds: [(source: [UInt8], patch: [UInt8])]
    private var random: SplitMix64

    /// `seeds`: valid (source, patch) pairs.
    public init(seeds: [(source: [UInt8], patch: [UInt8])], seed: UInt64) {
        self.seeds = seeds
        random = SplitMix64(seed: seed)
    }

    /// Seeds made from generated firmware-like pairs, several chunks each.
    public static func generatedSeeds() throws -> [(source: [UInt8], patch: [UInt8])] {
        var generator = SplitMix64(seed: 42)
        var seeds: [(source: [UInt8], patch: [UInt8])] = []
        for size in [3000, 9000, 20000] {
            let old = (0..<size).map { index in UInt8(truncatingIfNeeded: index % 251 == 0 ? Int(generator.next() % 256) : index / 7) }
            var new = old
            for _ in 0..<(size / 500) { new[Int(generator.next() % UInt64(size))] = UInt8(truncatingIfNeeded: generator.next()) }
            new.insert(contentsOf: (0..<100).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, at: size / 2)
            let patch = try DeltaEncoder(options: .init(blockSize: 512, window: 4096, threads: 1)).encode(old: old, new: new)
            seeds.append((old, patch))
        }
        seeds.append((Array(repeating: 7, count: 100), try DeltaEncoder(options: .init(window: 4096, threads: 1)).encode(old: Array(repeating: 7, count: 100), new: [])))
        return seeds
    }

    /// Recomputes the trailer digest of a (mutated) patch.
    public static func reseal(_ patch: [UInt8]) -> [UInt8] {
        guard patch.count >= DeltaFormat.trailerSize else { return patch }
        let body = Array(patch.dropLast(DeltaFormat.trailerSize))
        return body + DeltaFormat.trailerMagic + SHA256.hash(body)
    }

    /// Runs `count` mutated inputs.
    public mutating func run(count: Int) -> Report {
        var report = Report()
        for _ in 0..<count {
            let seed = seeds[Int(random.next() % UInt64(seeds.count))]
            var patch = mutate(seed.patch)
            if random.next() % 4 != 0 { patch = Self.reseal(patch) }
            report.inputs += 1
            do {
                let decoder = try DeltaDecoder(patch: MemoryByteSource(patch), name: "fuzz")
                _ = try decoder.apply(source: seed.source)
                report.applied += 1
            } catch let error as DeltaError {
                report.rejected[Self.kind(error), default: 0] += 1
            } catch {
                report.unexpected.append("\(error)")
            }
        }
        return report
    }

    private mutating func mutate(_ original: [UInt8]) -> [UInt8] {
        var patch = original
        let rounds = 1 + Int(random.next() % 3)
        for _ in 0..<rounds where !patch.isEmpty {
            let at = Int(random.next() % UInt64(patch.count))
            switch random.next() % 6 {
            case 0: patch[at] ^= UInt8(1) << (random.next() % 8)
            case 1: patch[at] = UInt8(truncatingIfNeeded: random.next())
            case 2: patch.removeSubrange(at...)
            case 3: patch.insert(contentsOf: (0..<Int(random.next() % 16)).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
            case 4:
                let values: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 4096, 4097]
                let value = values[Int(random.next() % UInt64(values.count))]
                let field = min(at & ~3, max(0, patch.count - 4))
                for index in 0..<min(4, patch.count - field) { patch[field + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
            default:
                let field = min(Int(random.next() % 160), patch.count - 1)
                patch[field] = UInt8(truncatingIfNeeded: random.next())
            }
        }
        return patch
    }

    private static func kind(_ error: DeltaError) -> String {
        switch error {
        case .notADelta: return "not-a-delta"
        case .unsupportedVersion: return "version"
        case .truncated: return "truncated"
        case .invalidField: return "invalid-field"
        case .corruptStream: return "corrupt-stream"
        case .outsideSource: return "outside-source"
        case .patchDigestMismatch: return "patch-digest"
        case .trailingBytes: return "trailing-bytes"
        case .wrongSource: return "wrong-source"
        case .targetDigestMismatch: return "target-digest"
        case .inputTooLarge, .unreadable: return "io"
        }
    }
}
