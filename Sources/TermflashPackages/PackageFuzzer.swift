import Foundation
import TermflashCore
import TermflashCrypto

/// Feeds mutated packages and vendor images to every reader in this target — package
/// verifier (tar, manifest, signature, hashes), OpenWrt reader, U-Boot environment — each input must end in a result or a typed `PackageError`,
/// never a crash or a hang. Some mutations repair the tar checksum or re-sign the manifest,
/// so the deeper rules are reached too. Used by tests (thousands) and `bench fuzz-packages`.
public struct PackageFuzzer {
    /// What a run saw.
    public struct Report: Sendable, CustomStringConvertible {
        public var inputs = 0
        public var accepted = 0
        public var refused = 0
        /// Refusals by kind (`hashMismatch`, `headerChecksum`…).
        public var reasons: [String: Int] = [:]
        /// The slowest single input, in seconds.
        public var slowestSeconds = 0.0

        public var description: String {
            let top = reasons.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "\(inputs) inputs: \(accepted) accepted, \(refused) refused with a typed error (\(top)); slowest input \(String(format: "%.1f", slowestSeconds * 1000)) ms"
        }
    }

    /// Kinds of seed.
    enum Kind { case package, openWrt, environment }

    private var random: SplitMix64
    private let seeds: [(Kind, [UInt8])]
    private let key: Ed25519.PrivateKey
    private let verifier: PackageVerifier

    /// A fuzzer over built-in seeds: signed and unsigned packages, an OpenWrt sysupgrade image, a U-Boot environment.
    public init(seed: UInt64 = 0x5EED) throws {
        random = SplitMix64(seed: seed)
        key = try Ed25519.PrivateKey(rawBytes: (0..<32).map { UInt8($0 &* 7 &+ 1) })
        verifier = PackageVerifier(trustedKeys: [key.publicKey], keyringPath: "fuzz", policy: .allowUnsigned)
        seeds = try FuzzSeeds.make(key: key)
    }

    /// Runs `count` inputs.
    public mutating func run(count: Int) -> Report {
        var report = Report()
        for _ in 0..<count {
            let (kind, seed) = seeds[Int(random.next() % UInt64(seeds.count))]
            let input = mutate(seed, kind: kind)
            let start = DispatchTime.now().uptimeNanoseconds
            let outcome = read(input, kind: kind)
            report.slowestSeconds = max(report.slowestSeconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            report.inputs += 1
            if let reason = outcome {
                report.refused += 1
                report.reasons[reason, default: 0] += 1
            } else {
                report.accepted += 1
            }
        }
        return report
    }

    /// `nil` when the input was read, else the kind of refusal. Any other error is a bug: it traps.
    func read(_ input: [UInt8], kind: Kind) -> String? {
        do {
            switch kind {
            case .package: _ = try verifier.verify(MemoryPackageInput(input))
            case .openWrt: _ = try OpenWrtImage.read(bytes: input, name: "fuzz.bin")
            case .environment:
                guard UBootEnvironment.parseBlock(input) != nil else { return "environmentCRC" }
            }
            return nil
        } catch let error as PackageError {
            return Mirror(reflecting: error).children.first?.label ?? "\(error)"
        } catch {
            preconditionFailure("untyped error from a reader: \(error)")
        }
    }

    private mutating func mutate(_ seed: [UInt8], kind: Kind) -> [UInt8] {
        var bytes = seed
        let rounds = 1 + Int(random.next() % 4)
        for _ in 0..<rounds {
            switch random.next() % 10 {
            case 0, 1: flipBit(&bytes)
            case 2: setByte(&bytes)
            case 3: bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
            case 4: bytes += (0..<Int(random.next() % 600)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            case 5: duplicateBlock(&bytes)
            case 6: setInteresting(&bytes)
            case 7 where kind == .package: editHeaderKeepingChecksum(&bytes)
            case 8 where kind == .package: bytes = resignedWithEditedManifest(bytes)
            default: flipBit(&bytes)
            }
        }
        return bytes
    }

    private mutating func index(_ bytes: [UInt8]) -> Int? {
        bytes.isEmpty ? nil : Int(random.next() % UInt64(bytes.count))
    }

    private mutating func flipBit(_ bytes: inout [UInt8]) {
        guard let at = index(bytes) else { return }
        bytes[at] ^= 1 << UInt8(random.next() % 8)
    }

    private mutating func setByte(_ bytes: inout [UInt8]) {
        guard let at = index(bytes) else { return }
        bytes[at] = UInt8(truncatingIfNeeded: random.next())
    }

    private mutating func setInteresting(_ bytes: inout [UInt8]) {
        guard let at = index(bytes) else { return }
        let values: [[UInt8]] = [[0], [0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF], Array("../".utf8), Array("/".utf8),
                                 Array("77777777777".utf8), Array("2".utf8), Array("\"".utf8), Array("}".utf8), [0x80, 0, 0, 0]]
        let value = values[Int(random.next() % UInt64(values.count))]
        for (offset, byte) in value.enumerated() where at + offset < bytes.count { bytes[at + offset] = byte }
    }

    private mutating func duplicateBlock(_ bytes: inout [UInt8]) {
        let blocks = bytes.count / 512
        guard blocks > 0 else { return }
        let from = Int(random.next() % UInt64(blocks)) * 512, to = Int(random.next() % UInt64(blocks + 1)) * 512
        bytes.insert(contentsOf: bytes[from..<(from + 512)], at: to)
    }

    /// Changes one byte of a tar header and writes a matching checksum, so the header passes
    /// its checksum and the field rules behind it are exercised.
    private mutating func editHeaderKeepingChecksum(_ bytes: inout [UInt8]) {
        let headers = stride(from: 0, to: bytes.count - 511, by: 512).filter { Array(bytes[($0 + 257)..<($0 + 262)]) == Array("ustar".utf8) }
        guard !headers.isEmpty else { return }
        let start = headers[Int(random.next() % UInt64(headers.count))]
        let field = [0, 50, 99, 100, 108, 124, 130, 135, 136, 156, 157, 257, 263, 345][Int(random.next() % 14)]
        bytes[start + field] = [UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "5"), 0, 0x2F, 0x2E, UInt8(truncatingIfNeeded: random.next())][Int(random.next() % 7)]
        let header = Array(bytes[start..<(start + 512)])
        let sum = String(TarHeader.checksum(header), radix: 8)
        let field6 = Array((String(repeating: "0", count: max(0, 6 - sum.count)) + sum).utf8.suffix(6))
        bytes.replaceSubrange((start + 148)..<(start + 156), with: field6 + [0, 0x20])
    }

    /// Replaces the manifest with an edited copy signed by the trusted key, so the manifest
    /// rules and the image checks run on what a signer could have written.
    private mutating func resignedWithEditedManifest(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > 1536, let size = Int(String(decoding: bytes[124..<135], as: UTF8.self), radix: 8),
              size >= 0, size < 64 * 1024, 512 + size <= bytes.count else { return bytes }
        var manifest = Array(bytes[512..<(512 + size)])
        let edits = 1 + Int(random.next() % 3)
        for _ in 0..<edits {
            guard let at = index(manifest) else { break }
            let replacements: [[UInt8]] = [Array("0".utf8), Array("9".utf8), Array("\"".utf8), Array("-".utf8), Array("../".utf8),
                                           Array(",".utf8), Array("[]".utf8), Array("null".utf8), Array("1e309".utf8), []]
            let replacement = replacements[Int(random.next() % UInt64(replacements.count))]
            manifest.replaceSubrange(at..<min(manifest.count, at + 1), with: replacement)
        }
        guard let signature = try? key.signature(for: manifest) else { return bytes }
        var rebuilt = TarHeader(name: PackageLayout.manifestName, size: UInt64(manifest.count)).encoded() + manifest
        rebuilt += [UInt8](repeating: 0, count: (512 - manifest.count % 512) % 512)
        rebuilt += TarHeader(name: PackageLayout.signatureName, size: 64).encoded() + signature + [UInt8](repeating: 0, count: 448)
        let rest = 512 + (size + 511) / 512 * 512 + 1024
        return rest <= bytes.count ? rebuilt + bytes[rest...] : rebuilt
    }
}
