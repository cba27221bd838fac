import ArgumentParser
import Foundation
import TermflashCore
import TermflashProfiles

extension ProfileCommand {
    /// `termflash profile import-dts FILE.dts`: a router profile's partition table from an
    /// OpenWrt device tree.
    struct ImportDTS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-dts",
            abstract: "Build a router profile's partition table from an OpenWrt device tree (.dts).",
            discussion: """
            Includes beside the file are followed ("x.dtsi", or a flat copy named <target>__x.dtsi); \
            &label overlays are merged; partitions come from reg (a node name that disagrees is \
            reported); nested partitions are kept; mtd-concat devices are mapped onto the partitions \
            they join. Prints YAML to complete (console) and check with 'profile validate'.
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The device tree source.")
        var file: String

        @Option(help: "Console prompt to put in the profile, e.g. 'ath> '.")
        var prompt: String?

        @Option(help: ArgumentHelp("RAM load address for the profile (hex).", valueName: "address"))
        var loadAddress: String?

        @Option(help: ArgumentHelp("Usable RAM window from the load address (hex).", valueName: "bytes"))
        var ramWindow: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the profile here instead of standard output.", valueName: "file"))
        var output: String?

        @Flag(help: "Print the imported tables as JSON instead of YAML.")
        var json = false

        func run() throws {
            try reportingErrors {
                _ = global.makeLogger()
                let imported: DeviceTreeImport
                do {
                    imported = try DeviceTreeImport.load(file: file)
                } catch let error as DeviceTreeError {
                    throw DeviceTreeImportFailed(error: error)
                }
                if json { return try printJSON(ImportedTables(imported)) }
                let text = imported.profileYAML(source: (file as NSString).lastPathComponent, console: try console())
                if let output {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output))
                    FileHandle.standardError.write(Data("wrote \(output); check it with 'termflash profile validate \(output)'\n".utf8))
                } else {
                    print(text, terminator: "")
                }
            }
        }

        private func console() throws -> ConsoleSettings? {
            guard let prompt else { return nil }
            func number(_ text: String?, _ option: String) throws -> Int? {
                guard let text else { return nil }
                let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
                guard let value = Int(digits, radix: 16) else { throw ValidationError("\(option) must be hex, e.g. 0x81000000") }
                return value
            }
            return ConsoleSettings(prompt: prompt, interruptKey: "\n", loadAddress: try number(loadAddress, "--load-address"),
                                   ramWindowBytes: try number(ramWindow, "--ram-window"))
        }
    }
}

/// `--json` of `profile import-dts`.
private struct ImportedTables: Encodable {
    struct Concatenation: Encodable {
        let name: String
        let members: [String]
        let partitions: [Partition]
    }

    struct Partition: Encodable {
        let name: String
        let offset: UInt64
        let size: UInt64
        let pieces: [Piece]
    }

    struct Piece: Encodable {
        let member: String
        let offset: UInt64
        let length: UInt64
    }

    let model: String?
    let compatible: [String]
    let storage: [StorageLayout]
    let concatenations: [Concatenation]
    let warnings: [String]

    init(_ imported: DeviceTreeImport) {
        model = imported.model
        compatible = imported.compatible
        storage = imported.storage
        concatenations = imported.concatenations.map { concatenation in
            Concatenation(name: concatenation.name, members: concatenation.members, partitions: concatenation.partitions.map { partition in
                Partition(name: partition.name, offset: partition.offset, size: partition.size,
                          pieces: partition.pieces.map { Piece(member: $0.member, offset: $0.offset, length: $0.length) })
            })
        }
        warnings = imported.warnings
    }
}

/// The device tree could not be read.
struct DeviceTreeImportFailed: ActionableError {
    let error: DeviceTreeError
    var exitStatus: ExitStatus { .invalidProfile }
    var description: String { error.description }
    var advice: String? { "fix the source at that line, or import the tree OpenWrt builds from it" }
}
