import TermflashCore
import TermflashCrypto

/// A U-Boot command that prints a strong digest of memory, and how to read its answer.
///
/// Builds differ: `md5sum` and `sha1sum` (CONFIG_CMD_MD5SUM, CONFIG_CMD_SHA1SUM) and the
/// generic `hash ALGORITHM` (CONFIG_CMD_HASH) are each optional. All print one line,
/// `<algorithm> for <start> ... <end> ==> <hex digest>`: the algorithm in lower case from
/// common/hash.c and cmd/md5sum.c, `SHA1` in upper case from older vendor trees' sha1sum;
/// start and end are the first and last address in hex (at least 8 digits).
public struct UBootDigestCommand: Sendable, Equatable, CustomStringConvertible {
    /// `md5sum`, `sha1sum` or `hash`.
    public var command: String
    public var algorithm: DigestAlgorithm

    public init(command: String, algorithm: DigestAlgorithm) {
        self.command = command
        self.algorithm = algorithm
    }

    /// The candidates in the order they are probed: SHA-1 before MD5, dedicated commands
    /// before `hash`.
    public static let candidates = [
        UBootDigestCommand(command: "sha1sum", algorithm: .sha1),
        UBootDigestCommand(command: "md5sum", algorithm: .md5),
        UBootDigestCommand(command: "hash", algorithm: .sha1),
        UBootDigestCommand(command: "hash", algorithm: .md5),
    ]

    /// The console line for `length` bytes at `address`.
    public func line(address: UInt64, length: UInt64) -> String {
        let arguments = "\(hex(address)) \(hex(length))"
        return command == "hash" ? "hash \(algorithm.rawValue) \(arguments)" : "\(command) \(arguments)"
    }

    public var description: String { command == "hash" ? "hash \(algorithm.rawValue)" : command }

    /// The digest in the command's output for `length` bytes at `address`; nil when no
    /// line has this algorithm's form for exactly that range.
    public func parseDigest(_ lines: [String], address: UInt64, length: UInt64) -> [UInt8]? {
        for line in lines {
            guard let answer = Self.parseLine(line), answer.algorithm == algorithm.rawValue,
                  answer.start == address, answer.end == address + length - 1,
                  answer.digest.count == algorithm.length else { continue }
            return answer.digest
        }
        return nil
    }

    /// `md5 for 82000000 ... 8200ffff ==> 0123…` split into its fields (algorithm lower-cased).
    static func parseLine(_ line: String) -> (algorithm: String, start: UInt64, end: UInt64, digest: [UInt8])? {
        guard let arrow = line.firstRange(of: "==>") else { return nil }
        let words = line[..<arrow.lowerBound].split(separator: " ")
        guard words.count == 5, words[1] == "for", words[3] == "...",
              let start = UInt64(words[2], radix: 16), let end = UInt64(words[4], radix: 16),
              let digest = bytes(fromHex: String(line[arrow.upperBound...]).trimmingWhitespace()) else { return nil }
        return (words[0].lowercased(), start, end, digest)
    }

    /// Bytes from an even number of hex digits.
    static func bytes(fromHex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<(index + 2)], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
