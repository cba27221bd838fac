extension ProfileReader {
    static let consoleKeys = [
        "baud", "prompt", "interruptKey", "interruptWindowSeconds", "loadAddress", "ramWindowBytes", "upload",
    ]

    /// The `console` block of a router profile.
    func readConsole(_ field: YAMLField) -> ConsoleSettings? {
        guard let map = mapping(field, known: Self.consoleKeys) else { return nil }
        let baud = optional(map, "baud") { integer($0, range: 50...10_000_000) }
        let prompt = required(map, "prompt", nonEmptyString)
        let key = optional(map, "interruptKey", string)
        let window = optional(map, "interruptWindowSeconds", number)
        let address = optional(map, "loadAddress") { integer($0, allowQuoted: true) }
        let ramWindow = optional(map, "ramWindowBytes") { integer($0, range: 1...Int.max) }
        let upload = optional(map, "upload") { choice($0, ConsoleSettings.UploadProtocol.self) }
        guard let prompt else { return nil }
        return ConsoleSettings(baud: baud ?? ConsoleSettings.defaultBaud, prompt: prompt, interruptKey: key,
                               interruptWindowSeconds: window, loadAddress: address, ramWindowBytes: ramWindow,
                               upload: upload ?? .ymodem)
    }
}
