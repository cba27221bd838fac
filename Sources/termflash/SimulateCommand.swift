import ArgumentParser

/// `termflash simulate …`: run a simulated device in the foreground, for trying termflash and
/// for scripts and demos without hardware.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run a simulated device (on a pseudo-terminal) in the foreground.",
        subcommands: [SimulateEDL.self, SimulateStreamingDLoadCommand.self, SimulateDIAGCommand.self, SimulateUBootCommand.self])
}
