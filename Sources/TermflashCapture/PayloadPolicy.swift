/// How much of each payload a recording keeps.
public enum PayloadPolicy: Sendable, Equatable {
    /// Every byte (the capture replays anywhere, `umockdev-run` included).
    case full
    /// Host-to-device payloads longer than `threshold` bytes are replaced by their length and
    /// SHA-256, so a firmware flash can be shared without the firmware; replay checks the hash.
    /// Device-to-host data is always kept: replay must serve it.
    case hash(threshold: Int)

    /// The hash policy's default threshold.
    public static let defaultHashThreshold = 1024

    /// Whether an OUT payload of `length` bytes is replaced by its hash.
    func hashes(outLength length: Int) -> Bool {
        if case let .hash(threshold) = self { return length > threshold }
        return false
    }
}
