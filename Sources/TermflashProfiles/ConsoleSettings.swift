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
    /// How images are uploaded: `ymodem` (`loady`), `xmodem` or `xmodem-1k` (`loadx`).
    public var upload: UploadProtocol

    /// The serial upload protocols a boot loader may offer.
    public enum UploadProtocol: String, CaseIterable, Sendable, Codable {
        case ymodem, xmodem, xmodem1K = "xmodem-1k"
    }

    /// Creates console settings.
    public init(baud: Int = ConsoleSettings.defaultBaud, prompt: String, interruptKey: String? = nil,
                interruptWindowSeconds: Double? = nil, loadAddress: Int? = nil, ramWindowBytes: Int? = nil,
                upload: UploadProtocol = .ymodem) {
        self.baud = baud
        self.prompt = prompt
        self.interruptKey = interruptKey
        self.interruptWindowSeconds = interruptWindowSeconds
        self.loadAddress = loadAddress
        self.ramWindowBytes = ramWindowBytes
        self.upload = upload
    }
}
