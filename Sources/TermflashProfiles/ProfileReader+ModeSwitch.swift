import TermflashCore

extension ProfileReader {
    static let modeSwitchKeys = [
        "from", "to", "method", "message", "standardEject", "command", "opcode", "interfaceRole", "expect",
    ]

    /// The fields each method needs and the ones it does not use.
    private static let methodFields: [ModeSwitch.Method: (needs: String, unused: [String])] = [
        .usbModeswitch: ("message or standardEject: true", ["command", "opcode"]),
        .atCommand: ("command", ["message", "standardEject", "opcode"]),
        .diagCommand: ("opcode", ["message", "standardEject", "command"]),
    ]

    /// One `modeSwitches` entry, checked against the profile's identities.
    func readModeSwitch(_ field: YAMLField, identities: [ProfileIdentity]) -> ModeSwitch? {
        guard let map = mapping(field, known: Self.modeSwitchKeys) else { return nil }
        let from = required(map, "from", mode)
        let to = required(map, "to", mode)
        let method = required(map, "method") { choice($0, ModeSwitch.Method.self) }
        let message = optional(map, "message", bulkMessage)
        let eject = optional(map, "standardEject", bool) ?? false
        let command = optional(map, "command", atCommand)
        let opcode = optional(map, "opcode") { integer($0, range: 0...0xFF, allowQuoted: true) }
        let role = optional(map, "interfaceRole") { choice($0, InterfaceRole.self) }
        let expect = required(map, "expect", usbIdentity)
        if let method { checkFields(of: method, in: map, hasTrigger: map["message"] != nil || eject) }
        if let from { checkSource(from, map: map, identities: identities) }
        if let expect, let to, let expectField = map["expect"] {
            checkExpect(expect, to: to, field: expectField, identities: identities)
        }
        guard let from, let to, let method, let expect else { return nil }
        return ModeSwitch(from: from, to: to, method: method, message: message, standardEject: eject,
                          command: command, opcode: opcode.map(UInt8.init), interfaceRole: role, expect: expect)
    }

    private func checkFields(of method: ModeSwitch.Method, in map: FieldMap, hasTrigger: Bool) {
        guard let rule = Self.methodFields[method] else { return }
        let present: Bool
        switch method {
        case .usbModeswitch: present = hasTrigger
        case .atCommand: present = map["command"] != nil
        case .diagCommand: present = map["opcode"] != nil
        }
        if !present {
            report(map.owner.path, line: map.owner.line, "method '\(method.rawValue)' needs \(rule.needs)")
        }
        for key in rule.unused {
            if let field = map[key] {
                report(field, "not used by method '\(method.rawValue)'; remove it or change the method")
            }
        }
    }

    private func checkSource(_ from: DeviceMode, map: FieldMap, identities: [ProfileIdentity]) {
        guard !identities.isEmpty, !identities.contains(where: { $0.mode == from }), let field = map["from"] else {
            return
        }
        report(field, "no identity of this profile has mode '\(from.rawValue)'; add one or fix 'from'")
    }

    private func checkExpect(_ expect: USBIdentity, to: DeviceMode, field: YAMLField, identities: [ProfileIdentity]) {
        guard let identity = identities.first(where: { $0.usb == expect }) else {
            report(field, "\(expect) is not one of this profile's identities; add it under 'identities' "
                + "with mode: \(to.rawValue), or fix 'expect'")
            return
        }
        if identity.mode != to {
            report(field, "\(expect) has mode '\(identity.mode.rawValue)' in 'identities' but this switch goes "
                + "to '\(to.rawValue)'; make them agree")
        }
    }

    /// A usb_modeswitch bulk message in hex; a mass-storage CBW must be 31 bytes.
    private func bulkMessage(_ field: YAMLField) -> [UInt8]? {
        guard let text = string(field) else { return nil }
        guard let bytes = [UInt8](hex: text) else {
            report(field, "expected an even number of hex digits, like \"5553424312345678…\"")
            return nil
        }
        if bytes.starts(with: [0x55, 0x53, 0x42, 0x43]), bytes.count != 31 {
            report(field, "a mass-storage command block wrapper (55534243…) is 31 bytes, this one is \(bytes.count)")
            return nil
        }
        return bytes
    }

    private func atCommand(_ field: YAMLField) -> String? {
        guard let text = nonEmptyString(field) else { return nil }
        guard text.uppercased().hasPrefix("AT") else {
            report(field, "'\(text)' is not an AT command; it must start with AT, like AT+ZCDRUN=E")
            return nil
        }
        return text
    }
}
