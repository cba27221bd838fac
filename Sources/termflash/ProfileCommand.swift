import ArgumentParser
import TermflashCore
import TermflashProfiles

/// `termflash profile …`: work with device profiles.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Check device profiles.", subcommands: [Validate.self, ImportDTS.self])

    /// `termflash profile validate [FILES…]`.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate profile files (default: every profile in the profile folder).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Profile files or folders to check.")
        var files: [String] = []

        func run() throws {
            try reportingErrors {
                _ = global.makeLogger()
                let targets = files.isEmpty ? [global.profileDirectory()].compactMap { $0 } : files
                guard !targets.isEmpty else { throw ValidationError("no profile folder found; name files or use --profiles") }
                let issues = ProfileLibrary.validate(files: targets)  // together, so duplicate ids across targets show
                for issue in issues { print(issue.description) }
                guard issues.isEmpty else { throw ProfileValidationFailed(count: issues.count) }
                print("ok: \(targets.joined(separator: ", "))")
            }
        }
    }
}

/// `profile validate` found problems; each was printed with file, line and field.
struct ProfileValidationFailed: ActionableError {
    let count: Int
    var exitStatus: ExitStatus { .invalidProfile }
    var description: String { "\(count) problem(s) in device profiles" }
    var advice: String? { "fix the fields named above; DeviceProfiles/SCHEMA.md describes each one" }
}
