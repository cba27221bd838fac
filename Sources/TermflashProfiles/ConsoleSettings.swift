/// A boot loader's serial console: how to reach its prompt and where RAM may be loaded.
public struct ConsoleSettings: Sendable, Encodable, Equatable {
    /// The default line speed.
    public static let defaultBaud = 115_200

    /// Line speed in bits per second.
    public var baud: Int
    /// The prompt that shows the console is ready, e.g. `ath> `.
    public var prompt: String
    /// What to send to stop autoboot, e.g. `"\n"` or `tpl`.
    public var interruptKey: String?
    /// How long after power-on the interrupt is accepted, in seconds.
    public var interruptWindowSeconds: Double?
    /// The RAM address images are loaded to.
    public var loadAddress: Int?
    /// How many bytes from `loadAddress` may be used.
    public var ramWindowBytes: Int?

    /// Creates console settings.
    public init(baud: Int = ConsoleSettings.defaultBaud, prompt: String, interruptKey: String? = nil,
                interruptWindowSeconds: Double? = nil, loadAddress: Int? = nil, ramWindowBytes: Int? = nil) {
        self.baud = baud
        self.prompt = prompt
        self.interruptKey = interruptKey
        self.interruptWindowSeconds = interruptWindowSeconds
        self.loadAddress = loadAddress
        self.ramWindowBytes = ramWindowBytes
    }
}
