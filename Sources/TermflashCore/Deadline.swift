#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on the monotonic clock by which an operation must finish.
public struct Deadline: Sendable, Comparable, CustomStringConvertible {
    /// Nanoseconds on the monotonic clock.
    public let uptimeNanoseconds: UInt64

    /// A deadline at an absolute monotonic time.
    public init(uptimeNanoseconds: UInt64) {
        self.uptimeNanoseconds = uptimeNanoseconds
    }

    /// The current monotonic time.
    public static var now: Deadline { Deadline(uptimeNanoseconds: monotonicNanoseconds()) }

    /// A deadline `seconds` from now.
    public static func after(seconds: Double) -> Deadline {
        precondition(seconds >= 0, "a deadline cannot lie in the past")
        return Deadline(uptimeNanoseconds: monotonicNanoseconds() &+ UInt64(seconds * 1e9))
    }

    /// A deadline `milliseconds` from now.
    public static func after(milliseconds: Int) -> Deadline {
        after(seconds: Double(milliseconds) / 1000)
    }

    /// A deadline that never passes.
    public static let never = Deadline(uptimeNanoseconds: .max)

    /// Whether the deadline lies in the past.
    public var hasPassed: Bool { monotonicNanoseconds() >= uptimeNanoseconds }

    /// Time left, in milliseconds, rounded up, clamped to `0...Int32.max`.
    public var remainingMilliseconds: Int {
        let now = monotonicNanoseconds()
        guard uptimeNanoseconds > now else { return 0 }
        let left = (uptimeNanoseconds - now + 999_999) / 1_000_000
        return Int(min(left, UInt64(Int32.max)))
    }

    /// Time left in seconds (0 when passed).
    public var remainingSeconds: Double { Double(remainingMilliseconds) / 1000 }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        lhs.uptimeNanoseconds < rhs.uptimeNanoseconds
    }

    public var description: String {
        self == .never ? "never" : "in \(remainingMilliseconds) ms"
    }
}

private func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
