import TermflashCore

/// The host side of Sahara: answers the boot ROM's HELLO, serves the byte ranges it pulls
/// from the programmer (READ_DATA / READ_DATA_64) and reads command-mode facts. It is the
/// only Sahara code that touches a transport; the packets are ``SaharaPacket``.
public final class SaharaHost {
    /// How long each wait may take.
    public struct Timeouts: Sendable {
        /// For the first HELLO (the device may need a moment after enumeration).
        public var helloMilliseconds: Int
        /// For each later packet.
        public var packetMilliseconds: Int

        /// Timeouts.
        public init(helloMilliseconds: Int = 3000, packetMilliseconds: Int = 5000) {
            self.helloMilliseconds = helloMilliseconds
            self.packetMilliseconds = packetMilliseconds
        }
    }

    /// What an upload did.
    public struct UploadReport: Sendable, Equatable {
        /// Protocol version the device announced.
        public var version: UInt32
        /// Image ids served, in order.
        public var images: [UInt64]
        /// Bytes sent for all ranges.
        public var bytesSent: UInt64
        /// Ranges requested.
        public var requests: Int
        /// Whether no HELLO came and a HELLO_RESP was sent blind (a driver that swallows the first HELLO).
        public var recoveredSwallowedHello: Bool
    }

    private let transport: Transport
    private let timeouts: Timeouts
    private var decoder = SaharaDecoder()
    /// Every packet seen, for logs and reports (`IN HELLO`, `OUT HELLO_RESP`).
    public private(set) var trail: [String] = []

    /// A host speaking over `transport`.
    public init(transport: Transport, timeouts: Timeouts = Timeouts()) {
        self.transport = transport
        self.timeouts = timeouts
    }

    /// Uploads the programmer: `images` by id. When a single image is given it is served for
    /// whatever id the device asks for (13 on most SoCs).
    public func upload(images: [UInt64: ByteSource]) throws -> UploadReport {
        precondition(!images.isEmpty, "give at least one image")
        var report = UploadReport(version: 0, images: [], bytesSent: 0, requests: 0, recoveredSwallowedHello: false)
        let hello = try awaitHello(blindMode: .imageTransferPending, report: &report)
        if let hello { try answer(hello, wanting: .imageTransferPending, report: &report) }
        while true {
            let packet = try receive(while: "uploading the programmer")
            switch packet {
            case let .readData(image, offset, length):
                try serve(image: UInt64(image), offset: UInt64(offset), length: UInt64(length), from: images, report: &report)
            case let .readData64(image, offset, length):
                try serve(image: image, offset: offset, length: length, from: images, report: &report)
            case let .endOfImage(image, status):
                guard status == 0 else { throw SaharaError.deviceStatus(SaharaStatus(rawValue: status), during: "transfer of image \(image)") }
                try send(.done)
            case let .doneResponse(status):
                if status == 1 { return report }
            case .hello:
                try answer(packet, wanting: .imageTransferPending, report: &report)
            case let .memoryDebug(address, length):
                throw SaharaError.memoryDebugMode(tableAddress: UInt64(address), tableLength: UInt64(length))
            case let .memoryDebug64(address, length):
                throw SaharaError.memoryDebugMode(tableAddress: address, tableLength: length)
            default:
                throw SaharaError.unexpected(packet: packet.name, while: "uploading the programmer")
            }
        }
    }

    /// Reads serial number, MSM hardware id, OEM public-key hash, SBL version and chip id in
    /// command mode, then switches the device back to image transfer (it sends HELLO again).
    public func readDeviceInfo() throws -> SaharaDeviceInfo {
        var report = UploadReport(version: 0, images: [], bytesSent: 0, requests: 0, recoveredSwallowedHello: false)
        let hello = try awaitHello(blindMode: .command, report: &report)
        if let hello { try answer(hello, wanting: .command, report: &report) }
        var info = SaharaDeviceInfo(version: report.version)
        let ready = try receive(while: "waiting for CMD_READY")
        guard ready == .commandReady else {
            if case let .endOfImage(_, status) = ready {
                throw SaharaError.deviceStatus(SaharaStatus(rawValue: status), during: "switch to command mode")
            }
            throw SaharaError.unexpected(packet: ready.name, while: "waiting for CMD_READY")
        }
        for command in SaharaDeviceInfo.queried {
            info.record(command, try execute(command))
        }
        try send(.switchMode(.imageTransferPending))
        return info
    }

    /// Runs one client command; `nil` when the device does not support it.
    private func execute(_ command: SaharaClientCommand) throws -> [UInt8]? {
        try send(.execute(command))
        let reply = try receive(while: "executing client command \(command.rawValue)")
        switch reply {
        case let .executeResponse(echoed, length) where echoed == command:
            try send(.executeData(command))
            return try receiveRaw(Int(length), while: "reading the result of client command \(command.rawValue)")
        case .endOfImage, .commandReady:
            return nil
        default:
            throw SaharaError.unexpected(packet: reply.name, while: "executing client command \(command.rawValue)")
        }
    }

    /// The first HELLO, or `nil` after sending a blind HELLO_RESP when none came in time.
    private func awaitHello(blindMode: SaharaMode, report: inout UploadReport) throws -> SaharaPacket? {
        do {
            let packet = try receive(while: "waiting for HELLO", milliseconds: timeouts.helloMilliseconds)
            if case let .memoryDebug(address, length) = packet {
                throw SaharaError.memoryDebugMode(tableAddress: UInt64(address), tableLength: UInt64(length))
            }
            guard case .hello = packet else { throw SaharaError.unexpected(packet: packet.name, while: "waiting for HELLO") }
            return packet
        } catch TransportError.timedOut {
            report.recoveredSwallowedHello = true
            trail.append("no HELLO; sending HELLO_RESP blind")
            try send(.helloResponse(version: 2, compatible: 1, status: 0, mode: blindMode))
            return nil
        }
    }

    private func answer(_ hello: SaharaPacket, wanting mode: SaharaMode, report: inout UploadReport) throws {
        guard case let .hello(version, _, _, announced) = hello else { return }
        report.version = version
        if announced == .memoryDebug {
            try send(.helloResponse(version: 2, compatible: 1, status: 0, mode: .memoryDebug))
            let table = try receive(while: "reading the memory-debug table")
            switch table {
            case let .memoryDebug(address, length): throw SaharaError.memoryDebugMode(tableAddress: UInt64(address), tableLength: UInt64(length))
            case let .memoryDebug64(address, length): throw SaharaError.memoryDebugMode(tableAddress: address, tableLength: length)
            default: throw SaharaError.memoryDebugMode(tableAddress: 0, tableLength: 0)
            }
        }
        try send(.helloResponse(version: 2, compatible: 1, status: 0, mode: mode))
    }

    private func serve(image: UInt64, offset: UInt64, length: UInt64, from images: [UInt64: ByteSource],
                       report: inout UploadReport) throws {
        guard let source = images[image] ?? (images.count == 1 ? images.values.first : nil) else {
            throw SaharaError.unknownImage(image, known: images.keys.sorted())
        }
        guard offset <= source.count, length <= source.count - offset, length <= UInt64(Int32.max) else {
            throw SaharaError.readOutsideImage(imageID: image, offset: offset, length: length, imageSize: source.count)
        }
        if report.images.last != image { report.images.append(image) }
        let bytes = try source.read(offset: offset, length: Int(length))
        try transport.write(bytes, deadline: .after(milliseconds: timeouts.packetMilliseconds))
        report.bytesSent += length
        report.requests += 1
    }

    private func send(_ packet: SaharaPacket) throws {
        trail.append("OUT \(packet.name)")
        try transport.write(packet.encoded(), deadline: .after(milliseconds: timeouts.packetMilliseconds))
    }

    private func receive(while step: String, milliseconds: Int? = nil) throws -> SaharaPacket {
        let deadline = Deadline.after(milliseconds: milliseconds ?? timeouts.packetMilliseconds)
        while true {
            if let packet = try decoder.next() {
                trail.append("IN \(packet.name)")
                return packet
            }
            decoder.feed(try transport.read(maxLength: 4096, deadline: deadline))
        }
    }

    private func receiveRaw(_ count: Int, while step: String) throws -> [UInt8] {
        let deadline = Deadline.after(milliseconds: timeouts.packetMilliseconds)
        while true {
            if let bytes = decoder.takeRaw(count) { return bytes }
            decoder.feed(try transport.read(maxLength: max(1, count - decoder.buffered), deadline: deadline))
        }
    }
}

/// Facts a device gives in Sahara command mode; `nil` where it did not answer.
public struct SaharaDeviceInfo: Sendable, Equatable, Codable {
    /// Client commands queried, in order.
    static let queried: [SaharaClientCommand] = [.serialNumber, .msmHardwareID, .oemPublicKeyHash, .sblVersion, .chipIDv3]

    public var saharaVersion: UInt32
    /// Serial number (u32, printed in hex as tools do).
    public var serialNumber: String?
    /// MSM hardware id (hex).
    public var msmHardwareID: String?
    /// OEM public-key hash (hex); identifies who signs programmers for this unit.
    public var oemPublicKeyHash: String?
    /// SBL software version.
    public var sblVersion: String?
    /// Chip id (v3 command, hex).
    public var chipID: String?

    init(version: UInt32) { saharaVersion = version }

    mutating func record(_ command: SaharaClientCommand, _ bytes: [UInt8]?) {
        guard let bytes else { return }
        switch command {
        case .serialNumber: serialNumber = Self.littleEndianHex(bytes.prefix(4))
        case .msmHardwareID: msmHardwareID = Self.littleEndianHex(bytes.prefix(8))
        case .oemPublicKeyHash: oemPublicKeyHash = bytes.map(byteHex).joined()
        case .sblVersion: sblVersion = Self.littleEndianHex(bytes.prefix(4))
        case .chipIDv3: chipID = bytes.map(byteHex).joined()
        default: break
        }
    }

    /// `0x…` of a little-endian integer.
    static func littleEndianHex(_ bytes: ArraySlice<UInt8>) -> String {
        "0x" + bytes.reversed().map(byteHex).joined()
    }
}
