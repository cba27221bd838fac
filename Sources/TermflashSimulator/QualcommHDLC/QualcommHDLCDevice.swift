import Dispatch
import Foundation
import TermflashCore
import TermflashProtocols

/// A simulated Qualcomm NAND modem of the MDM9x15 kind: DIAG in diagnostic mode, DMSS DLOAD
/// after DIAG 0x3A, Streaming DLOAD once a programmer was uploaded and started with GO.
/// Its NAND is a ``FlashStore`` (LUN 0) holding the MIBIB partition table in page 1 of
/// block 0; its NV items sit in memory. Built on the same codecs as the host side, so the
/// device checks every CRC and every layout. Runs in-process or behind a pty.
public final class QualcommHDLCDevice: @unchecked Sendable {
    /// The protocol the device speaks now.
    public enum Mode: String, Sendable { case diag, download, streaming, gone }

    /// What the device saw, for tests to check.
    public struct Record: Sendable {
        public var modes: [Mode] = []
        public var programmer: [UInt8] = []
        public var programmerAddress: UInt32?
        public var partitionTablesReceived: [[UInt8]] = []
        public var imagesOpened: [String] = []
        public var imagesClosed: [String] = []
        public var streamedBytes: UInt64 = 0
        public var resets = 0
        public var badFrames = 0
        public var nvWrites: [UInt16] = []
    }

    public let store: FlashStore
    public let blockSize: Int
    public let pageSize: Int
    /// The table in MIBIB (read form), and the write form the device was built from.
    public let partitionTable: MIBIBPartitionTable
    public internal(set) var writeFormTable: [UInt8]
    public var nvItems: [UInt16: [UInt8]]
    public var spc = "000000"
    public var versionInfo: DIAGVersionInfo
    public var buildID: DIAGExtendedBuildID
    public var faults: HDLCDeviceFaults
    /// How many stream writes a host may have unanswered (reported in the hello reply).
    public var windowSize: UInt16 = 8
    public var maxBlockSize: UInt32 = 1024

    public internal(set) var mode: Mode
    public internal(set) var record = Record()
    private let lock = NSLock()
    private var repliesSent = 0
    var write32Count = 0
    var streamWriteCount = 0
    var openImage: FlashRegion?
    var erasedBlocks = Set<UInt64>()
    var securityModeSet = false
    private var spcUnlocked = false

    /// A device over `store` whose MIBIB holds `table`; `writeForm` is the table a host must send.
    public init(store: FlashStore, table: MIBIBPartitionTable, writeForm: [UInt8], blockSize: Int = 128 * 1024, pageSize: Int = 2048,
                mode: Mode = .diag, nvItems: [UInt16: [UInt8]] = [:], faults: HDLCDeviceFaults = HDLCDeviceFaults()) throws {
        self.store = store
        self.blockSize = blockSize
        self.pageSize = pageSize
        partitionTable = table
        writeFormTable = writeForm
        self.nvItems = nvItems
        self.faults = faults
        self.mode = mode
        versionInfo = DIAGVersionInfo(compileDate: "Mar 17 2015", compileTime: "11:32:07", releaseDate: "Mar 17 2015",
                                      releaseTime: "11:32:07", versionDirectory: "M9615A", model: 0xB4, firmwareRevision: 0x0210,
                                      hardwareMajor: 1, hardwareMinor: 2)
        buildID = DIAGExtendedBuildID(msmHardwareVersion: 0x0800_E0E1, mobileModelID: 0x0000_1225,
                                      buildID: "BD_RUSMF823V1.0.0B05", modelString: "MF823")
        try store.write(lun: 0, offset: UInt64(pageSize), bytes: table.bytes)
        record.modes = [mode]
    }

    /// The replies to one request payload, in order (framing is the runner's job).
    public func handle(_ payload: [UInt8]) -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        switch mode {
        case .diag: return handleDIAG(payload)
        case .download: return handleDLoad(payload)
        case .streaming: return handleStreaming(payload)
        case .gone: return []
        }
    }

    /// Notes a frame that arrived damaged; the protocol in use decides the answer.
    public func handleBadFrame(_ error: HDLCError) -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        record.badFrames += 1
        switch mode {
        case .download: return [DLoadPacket.nak(.badFCS).payload]
        case .streaming: return [StreamingDLoadPacket.error(.failed, text: "bad frame: \(error)").payload]
        case .diag: return [[DIAGErrorReply.Kind.badLength.rawValue]]
        case .gone: return []
        }
    }

    /// Applies the reply faults to one framed reply.
    func damage(_ frame: [UInt8]) -> [UInt8] {
        lock.lock()
        repliesSent += 1
        let number = repliesSent
        lock.unlock()
        var frame = frame
        if faults.corruptCRCInReplies.contains(number), frame.count >= 3 { frame[frame.count - 2] ^= 0x01 }
        if faults.dropBytesInReplies.contains(number), frame.count > 4 { frame.remove(at: frame.count / 2) }
        return frame
    }

    func switchMode(_ new: Mode) {
        mode = new
        record.modes.append(new)
    }

    private func handleDIAG(_ payload: [UInt8]) -> [[UInt8]] {
        guard let request = DIAGRequest.parse(payload) else {
            return [DIAGResponse.error(DIAGErrorReply(kind: .badCommand, request: payload)).payload]
        }
        switch request {
        case .versionInfo: return [DIAGResponse.versionInfo(versionInfo).payload]
        case .diagVersion: return [DIAGResponse.diagVersion(8).payload]
        case .extendedBuildID: return [DIAGResponse.extendedBuildID(buildID).payload]
        case let .nvRead(item): return [nvReply(item: item, index: nil)]
        case let .indexedNVRead(item, index): return [nvReply(item: item, index: index)]
        case let .nvWrite(item, data):
            guard spcUnlocked else { return [DIAGResponse.error(DIAGErrorReply(kind: .spcLocked, request: payload)).payload] }
            nvItems[item] = data
            record.nvWrites.append(item)
            return [NVItemReply(item: item, data: data, status: .ok, isWrite: true).payload]
        case let .spc(code):
            spcUnlocked = code == spc
            return [DIAGResponse.spc(accepted: spcUnlocked).payload]
        case .switchToDownload:
            switchMode(.download)
            return [payload]
        case .switchToEmergencyDownload:
            switchMode(.gone)
            return [payload]
        }
    }

    private func nvReply(item: UInt16, index: UInt16?) -> [UInt8] {
        guard let data = nvItems[item] else {
            return NVItemReply(item: item, index: index, data: [], status: item > 20_000 ? .undefinedItem : .inactive).payload
        }
        return NVItemReply(item: item, index: index, data: data, status: .ok).payload
    }
}
