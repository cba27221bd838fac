import Foundation

extension Process {
    /// Ends a child started by a test: SIGTERM when the child can take it, else (or if it is
    /// still running after `grace` seconds) SIGKILL. Children inherit the test runner's
    /// blocked and ignored signals, so a SIGTERM alone may never arrive.
    public func stopForTest(grace: TimeInterval = 5) {
        guard isRunning else { return }
        if Self.takesSIGTERM(processIdentifier) {
            terminate()
            let deadline = Date().addingTimeInterval(grace)
            while isRunning && Date() < deadline { usleep(20_000) }
        }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }

    /// Whether SIGTERM is neither blocked nor ignored in `pid` (from /proc/PID/status).
    private static func takesSIGTERM(_ pid: Int32) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return true }
        let bit = UInt64(1) << UInt64(SIGTERM - 1)
        for line in status.split(separator: "\n") where line.hasPrefix("SigBlk:") || line.hasPrefix("SigIgn:") {
            let mask = UInt64(line.split(separator: "\t").last.map(String.init) ?? "", radix: 16) ?? 0
            if mask & bit != 0 { return false }
        }
        return true
    }
}
