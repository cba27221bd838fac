import ArgumentParser

/// The `termflash` command: a thin shell over the library targets.
@main
struct Termflash: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "termflash",
        abstract: "Flash firmware onto USB modems, hotspots and routers over their real download-mode protocols.",
        subcommands: [ListCommand.self, WaitCommand.self, ATCommand.self, CaptureCommand.self, FlashCommand.self, ProfileCommand.self, BenchCommand.self,
                      PackageCommand.self, KeysCommand.self, IdentifyCommand.self, RebrandCommand.self,
                      DeltaCommand.self,
                      SampleSetCommand.self,
                      InfoCommand.self, PartitionsCommand.self, ReadCommand.self, EraseCommand.self, VerifyCommand.self, SimulateCommand.self,
                      NVCommand.self, ModeCommand.self])
}
