import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `termflash simulate …`: run a simulated device in the foreground, for trying termflash and
/// for scripts and demos without hardware.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run a simulated device (on a pseudo-terminal) in the foreground.",
        subcommands: [SimulateEDL.self, SimulateStreamingDLoadCommand.self, SimulateDIAGCommand.self, SimulateUBootCommand.self])
}

extension SimulateCommand {
    /// A simulator runs until it is stopped: SIGTERM, SIGINT and SIGHUP end it even when the
    /// program that started it (a test runner, a supervisor, a shell script's trap) passed
    /// them on blocked or ignored, as child processes inherit both.
    static func acceptTerminationSignals() {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] {
            sigaddset(&signals, signal)
            _ = Glibc.signal(signal, SIG_DFL)
        }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}
