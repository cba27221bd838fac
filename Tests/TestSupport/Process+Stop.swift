import Foundation

extension Process {
    /// Ends a simulator started by a test: SIGTERM first, SIGKILL if it is still running after
    /// `grace` seconds, so a child that inherited a blocked SIGTERM cannot hang the suite.
    public func stopForTest(grace: TimeInterval = 5) {
        guard isRunning else { return }
        terminate()
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline { usleep(20_000) }
        if isRunning { kill(processIdentifier, SIGKILL) }
        waitUntilExit()
    }
}
