import Foundation
import TermflashCore

/// The device's answer to one command: its `<response>` and the log lines around it.
public struct FirehoseResponse: Sendable, Equatable {
    /// ACK or NAK.
    public var acknowledged: Bool
    /// `rawmode="true"`: raw data follows (read) or is expected (program).
    public var rawMode: Bool
    /// The response's attributes (configure replies carry payload sizes here).
    public var element: FirehoseElement
    /// `<log value=…/>` lines received with it (before and shortly after).
    public var log: [String]

    /// An attribute of the response.
    public subscript(key: String) -> String? { element[key] }
}

/// What `configure` settled on.
public struct FirehoseConfiguration: Sendable, Equatable, Codable {
    /// Storage type accepted (`emmc`, `ufs`, `nand`, `spinor`).
    public var memoryName: String
    /// Bytes per raw chunk to the device.
    public var maxPayloadToTarget: Int
    /// Bytes per raw chunk from the device.
    public var maxPayloadFromTarget: Int?
    /// Programmer facts from the reply.
    public var targetName: String?
    public var version: String?
    /// How many configure documents it took.
    public var attempts: Int
}

/// `getstorageinfo`'s JSON facts (`{"storage_info": {…}}` in a log line).
public struct FirehoseStorageInfo: Sendable, Equatable, Codable {
    public var totalBlocks: UInt64?
    public var blockSize: Int?
    public var pageSize: Int?
    public var numPhysical: Int?
    public var memoryType: String?
    public var productName: String?
    /// The raw log line, for `--json` and unknown fields.
    public var raw: String

    /// Parses the first log line that holds `storage_info` JSON.
    public static func parse(log: [String]) -> FirehoseStorageInfo? {
        for line in log {
            guard let brace = line.firstIndex(of: "{"), line.contains("storage_info"),
                  let object = try? JSONSerialization.jsonObject(with: Data(line[brace...].utf8)) as? [String: Any],
                  let info = object["storage_info"] as? [String: Any] else { continue }
            func integer(_ key: String) -> UInt64? {
                if let number = info[key] as? NSNumber { return number.uint64Value }
                if let text = info[key] as? String { return UInt64(text) }
                return nil
            }
            return FirehoseStorageInfo(
                totalBlocks: integer("total_blocks"), blockSize: integer("block_size").map(Int.init),
                pageSize: integer("page_size").map(Int.init), numPhysical: integer("num_physical").map(Int.init),
                memoryType: info["mem_type"] as? String, productName: info["prod_name"] as? String,
                raw: String(line[brace...]))
        }
        return nil
    }
}
