import Foundation

/// Rate and time left of a long step (a slow serial upload, an `md.b` backup), from when
/// the step's progress began.
final class ProgressClock {
    private var started: [Int: (time: Date, done: UInt64)] = [:]

    /// `12.3 KB/s, 1m05s left`, or nothing until there is a rate to tell.
    func summary(index: Int, done: UInt64, total: UInt64, now: Date = Date()) -> String {
        guard let start = started[index], done >= start.done else {
            started[index] = (now, done)
            return ""
        }
        let elapsed = now.timeIntervalSince(start.time)
        guard elapsed > 0.5, done > start.done else { return "" }
        let rate = Double(done - start.done) / elapsed
        let left = Double(total - min(done, total)) / rate
        return String(format: ", %.1f KB/s, %@ left", rate / 1000, Self.duration(left))
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole >= 60 ? String(format: "%dm%02ds", whole / 60, whole % 60) : "\(whole)s"
    }
}
