import ArgumentParser

/// `termflash simulate`: simulated devices on pseudo-terminals, for trying termflash (and
/// testing it) without hardware. Each protocol family adds its subcommands.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a simulated device on a pseudo-terminal; termflash then talks to the printed port.",
        subcommands: [SimulateStreamingDLoadCommand.self, SimulateDIAGCommand.self])
}
