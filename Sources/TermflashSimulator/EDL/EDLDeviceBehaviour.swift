import TermflashProtocols

/// How the simulated boot ROM and programmer behave, and which faults they inject.
public struct EDLDeviceBehaviour: Sendable {
    /// Sahara version announced in HELLO (1–3; 3 pulls with READ_DATA_64).
    public var saharaVersion: UInt32 = 2
    /// The mode HELLO announces: image transfer, or memory debug for a crashed unit.
    public var helloMode: SaharaMode = .imageTransferPending
    /// Image ids pulled in turn (13 is the Firehose programmer).
    public var imageIDs: [UInt32] = [13]
    /// Largest range asked for in one READ_DATA.
    public var readChunk: UInt32 = 0x4000
    /// Sahara command-mode answers.
    public var serialNumber: UInt32 = 0x1234_ABCD
    public var msmHardwareID: UInt64 = 0x0009_50E1_0000_0000
    public var oemPublicKeyHash: [UInt8] = (0..<32).map { UInt8($0 &* 7 &+ 3) }
    public var sblVersion: UInt32 = 0x0000_0002
    public var chipID: [UInt8]? = [0x51, 0x43, 0x4F, 0x4D, 0x00, 0x01]
    /// SHA-256 the programmer must have; another image ends with status 0x24 (auth failure).
    public var requiredProgrammerSHA256: [UInt8]?

    /// Storage types `configure` accepts (a UFS part refuses eMMC).
    public var memoryNames: [String] = ["emmc"]
    /// Largest raw payload the programmer takes per chunk; bigger requests get this offer.
    public var maxPayloadToTarget = 1 << 20
    /// Raw payload per chunk when sending a read.
    public var maxPayloadFromTarget = 1 << 20
    /// Commands the programmer knows; others get a NAK.
    public var supportedCommands: Set<String> = [
        "configure", "program", "read", "erase", "patch", "setbootablestoragedrive", "power", "getstorageinfo",
        "getsha256digest", "nop",
    ]
    /// Send a log line after each ACK (MSM8916 does).
    public var logsAfterAck = false
    /// Start each read's data with a zero-length packet.
    public var zeroLengthPackets = false
    /// Accept only nop and sig before authentication.
    public var requiresAuthentication = false
    /// Product name in getstorageinfo.
    public var productName = "SIMEMMC"
    public var faults = EDLFaults()

    /// The default: an eMMC unit with one programmer image.
    public init() {}
}

/// Faults the simulated device injects.
public struct EDLFaults: Sendable {
    /// NAK the Nth Firehose command of a boot (1-based, counting configure), once.
    public var nakAtCommand: Int?
    /// Vanish after receiving this many raw program bytes in total.
    public var disconnectAfterBytes: UInt64?
    /// Report a wrong SHA-256 digest (one bit flipped).
    public var wrongDigest = false
    /// Pause this long per received raw chunk.
    public var slowMillisecondsPerChunk = 0
    /// Lose the first HELLO (as the QUD driver can, qdl #246).
    public var swallowFirstHello = false

    /// No faults.
    public init() {}
}
