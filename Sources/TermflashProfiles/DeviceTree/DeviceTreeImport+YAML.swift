extension DeviceTreeImport {
    /// A profile id from the board's first `compatible` (`zte,mf286` → `mf286`).
    public var suggestedID: String {
        let board = compatible.first.map { String($0.split(separator: ",").last ?? "") } ?? model ?? "router"
        let id = board.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return String(id)
    }

    /// The vendor from the board's `compatible` prefix or `model`.
    public var suggestedVendor: String {
        if let model, let first = model.split(separator: " ").first { return String(first) }
        return compatible.first.map { String($0.split(separator: ",").first ?? "").uppercased() } ?? "unknown"
    }

    /// A router profile in YAML: identity, a console block to confirm, the storage as
    /// imported, concatenations and warnings as comments. `profile validate` accepts it.
    public func profileYAML(source: String, console: ConsoleSettings? = nil) -> String {
        var lines = ["# Imported by 'termflash profile import-dts' from \(source)."]
        lines += warnings.map { "# check: \($0)" }
        for concatenation in concatenations {
            lines.append("# mtd-concat '\(concatenation.name)' joins \(concatenation.members.joined(separator: " + ")):")
            for partition in concatenation.partitions {
                let pieces = partition.pieces.map { "\($0.member) \(hex($0.offset))+\(hex($0.length))" }.joined(separator: ", ")
                lines.append("#   \(partition.name) \(hex(partition.offset))+\(hex(partition.size)) lies in \(pieces)")
            }
        }
        let model = self.model.map { String($0.split(separator: " ").dropFirst().joined(separator: " ")) } ?? suggestedID.uppercased()
        lines += ["schemaVersion: 1", "id: \(suggestedID)", "vendor: \(quote(suggestedVendor))",
                  "model: \(quote(model.isEmpty ? suggestedID : model))", "kind: router", "protocolFamily: uboot"]
        if let chipset = compatible.dropFirst().first?.split(separator: ",").last { lines.append("chipset: \(chipset)") }
        lines.append("")
        if let console {
            lines += ["console:", "  baud: \(console.baud)", "  prompt: \(quote(console.prompt))"]
            if let key = console.interruptKey { lines.append("  interruptKey: \(quote(key))") }
            if let address = console.loadAddress { lines.append("  loadAddress: \(hex(UInt64(address)))") }
            if let window = console.ramWindowBytes { lines.append("  ramWindowBytes: \(hex(UInt64(window)))") }
            lines.append("  upload: \(console.upload.rawValue)")
        } else {
            lines += ["# console: fill in from the boot log (prompt, load address, RAM window), then uncomment",
                      "# console:", "#   prompt: \"ath> \"", "#   loadAddress: 0x81000000", "#   ramWindowBytes: 0x2000000"]
        }
        lines += ["", "storage:"]
        for chip in storage {
            lines += ["  - name: \(chip.name)", "    type: \(chip.type.rawValue)", "    partitions:"]
            lines += partitionLines(chip.partitions, indent: "      ")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func partitionLines(_ partitions: [FlashPartition], indent: String) -> [String] {
        partitions.flatMap { partition -> [String] in
            var fields = ["name: \(quote(partition.name))", "offset: \(hex(UInt64(partition.offset)))", "size: \(hex(UInt64(partition.size)))"]
            if partition.readOnly { fields.append("readOnly: true") }
            if let note = partition.note { fields.append("note: \(quote(note))") }
            guard !partition.partitions.isEmpty else { return ["\(indent)- { \(fields.joined(separator: ", ")) }"] }
            var lines = ["\(indent)- " + fields[0]] + fields.dropFirst().map { "\(indent)  " + $0 }
            lines.append("\(indent)  partitions:")
            return lines + partitionLines(partition.partitions, indent: indent + "    ")
        }
    }

    private func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    private func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
