import ArgumentParser
import Foundation
import Logging
import TermflashCore
import TermflashHardware
import TermflashPackages
import TermflashProfiles
import TermflashProtocols

/// Where `identify` and `rebrand` read what a unit says about itself.
struct UnitEvidenceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A disk image or block device of the unit (read only).", valueName: "path"))
    var disk: String?

    @Option(help: ArgumentHelp("A U-Boot environment: the binary block from flash, or 'printenv' output.", valueName: "file"))
    var ubootEnv: String?

    @Option(help: ArgumentHelp("The DIAG port of a unit in diagnostic mode: version info (0x00) and extended build id (0x7C) are asked.", valueName: "tty"))
    var diagPort: String?

    @Option(help: "Baud rate of the AT and DIAG ports.")
    var baud = 115_200

    @Option(name: .customLong("at-query"),
            help: ArgumentHelp("AT command whose answer carries the firmware version (repeatable; default ATI, whose Revision line ZTE modules fill).", valueName: "command"))
    var atQueries: [String] = ["ATI"]

    /// Everything the sources say; the AT port is asked when `--port`, `--path`, `--serial` or `--replay` is given.
    func gather(profile: DeviceProfile, device: DeviceSelectionOptions, session: SessionOptions, library: ProfileLibrary,
                logger: Logger) throws -> [BrandingEvidence] {
        var evidence: [BrandingEvidence] = []
        if let disk {
            let source = try FileByteSource(path: disk)
            evidence += try PartitionEvidence.gather(from: source, profile: profile)
        }
        if let ubootEnv {
            let bytes = try readFile(ubootEnv)
            let environment = UBootEnvironment.parseBlock(bytes) ?? UBootEnvironment.parseText(String(decoding: bytes, as: UTF8.self))
            evidence += BrandingEvidence.from(environment, source: "U-Boot env \(ubootEnv)")
        }
        if let diagPort { evidence += try askDIAG(port: diagPort, session: session) }
        if device.port != nil || device.path != nil || device.serial != nil || (session.replay != nil && diagPort == nil) {
            evidence += try askAT(device: device, session: session, library: library, logger: logger)
        }
        return evidence
    }

    /// DIAG 0x00 and 0x7C answers, through the DIAG codec; a command the firmware rejects is skipped.
    private func askDIAG(port: String, session: SessionOptions) throws -> [BrandingEvidence] {
        let opened = try TransportFactory(session: session).serial(port: session.replay == nil ? port : "replay", baud: baud)
        let identity: DIAGIdentity
        do {
            identity = try DIAGSession(transport: opened.transport).identity()
            try opened.finish()
        } catch {
            try? opened.finish()
            throw error
        }
        var evidence: [BrandingEvidence] = []
        if let build = identity.extendedBuildID {
            evidence.append(BrandingEvidence(source: "DIAG 0x7C build id", text: build.buildID))
            if !build.modelString.isEmpty { evidence.append(BrandingEvidence(source: "DIAG 0x7C model", text: build.modelString)) }
        }
        if let info = identity.versionInfo {
            evidence.append(BrandingEvidence(source: "DIAG 0x00 version directory", text: info.versionDirectory))
            evidence.append(BrandingEvidence(source: "DIAG 0x00 hardware version", key: "diag_hw_version",
                                             text: "\(info.hardwareMajor).\(info.hardwareMinor)"))
        }
        return evidence.filter { !$0.text.isEmpty }
    }

    private func askAT(device: DeviceSelectionOptions, session: SessionOptions, library: ProfileLibrary, logger: Logger) throws -> [BrandingEvidence] {
        let port = try session.replay == nil ? atPort(device: device, library: library) : "replay"
        let opened = try TransportFactory(session: session).serial(port: port, baud: baud)
        let at = ATSession(transport: opened.transport, timeoutSeconds: 5)
        var evidence: [BrandingEvidence] = []
        for query in atQueries {
            let response = try at.run(query)
            logger.debug("\(query): \(response.lines)")
            evidence += response.lines.map { BrandingEvidence(source: query, text: $0) }
        }
        try opened.finish()
        return evidence
    }

    private func atPort(device: DeviceSelectionOptions, library: ProfileLibrary) throws -> String {
        if let port = device.port { return port }
        let found = try USBEnumerator.select(device.selection, from: USBEnumerator.devices()) {
            library.identify($0.identity)?.interfaces(withRole: .at).isEmpty == false
        }
        let roles = library.identify(found.identity)?.interfaces(withRole: .at) ?? []
        guard let node = found.interfaces.first(where: { roles.contains(Int($0.number)) })?.ttys.first?.node else {
            throw ValidationError("\(found.shortDescription) has no tty on its AT interface; name one with --port")
        }
        return node
    }
}
