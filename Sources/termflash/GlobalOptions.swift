import ArgumentParser
import Foundation
import Logging
import TermflashProfiles

/// Options every command takes: logging and where device profiles live.
struct GlobalOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Log debug detail (same as --log-level debug).")
    var verbose = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level?

    @Option(name: .long, help: "Device profile folder (default: $TERMFLASH_PROFILES, the installed share folder, or the checkout's DeviceProfiles).")
    var profiles: String?

    /// Sends log lines to standard error at the chosen level and returns the root logger.
    func makeLogger() -> Logger {
        let level = logLevel ?? (verbose ? .debug : .warning)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "termflash")
    }

    /// The profile folder to use, or `nil` when none can be found.
    func profileDirectory() -> String? {
        profiles ?? ProfileLibrary.defaultDirectory(
            executablePath: CommandLine.arguments[0], environment: ProcessInfo.processInfo.environment)
    }

    /// Loads the profile library; with no folder found, an empty library (known identities still work).
    func loadProfiles(logger: Logger) throws -> ProfileLibrary {
        guard let directory = profileDirectory() else {
            logger.notice("no DeviceProfiles folder found; recognising devices by the built-in identity table only")
            return ProfileLibrary(profiles: [])
        }
        logger.debug("loading profiles from \(directory)")
        return try ProfileLibrary.load(directory: directory)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
