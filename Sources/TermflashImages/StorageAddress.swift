import TermflashCore

/// Where on the device a command acts: a GPT partition label, or sectors of a LUN written
/// `LUN/START+COUNT` (decimal or 0x hex), e.g. `modem`, `0/34+8192`, `4/0x0+0x6`.
public enum StorageAddress: Hashable, Sendable, CustomStringConvertible {
    case label(String)
    case sectors(lun: Int, start: UInt64, count: UInt64)

    /// Parses the command-line form; throws ``StorageAddressError`` saying what was expected.
    public static func parse(_ text: String) throws -> StorageAddress {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw StorageAddressError(text: text, problem: "is empty") }
        guard trimmed.first!.isNumber, trimmed.contains("/") else {
            guard trimmed.utf16.count <= 36, !trimmed.contains("/"), !trimmed.contains("+") else {
                throw StorageAddressError(text: text, problem: "is neither a partition label (up to 36 characters, no '/' or '+') nor LUN/START+COUNT")
            }
            return .label(trimmed)
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw StorageAddressError(text: text, problem: "has more than one '/'") }
        let range = parts[1].split(separator: "+", omittingEmptySubsequences: false)
        guard range.count == 2 else { throw StorageAddressError(text: text, problem: "needs START+COUNT after the LUN") }
        guard let lun = number(parts[0]), lun <= 255 else {
            throw StorageAddressError(text: text, problem: "LUN '\(parts[0])' is not a number from 0 to 255")
        }
        guard let start = number(range[0]) else { throw StorageAddressError(text: text, problem: "START '\(range[0])' is not a sector number") }
        guard let count = number(range[1]), count > 0 else {
            throw StorageAddressError(text: text, problem: "COUNT '\(range[1])' is not a positive number of sectors")
        }
        guard start.addingReportingOverflow(count).overflow == false else {
            throw StorageAddressError(text: text, problem: "START+COUNT overflows")
        }
        return .sectors(lun: Int(lun), start: start, count: count)
    }

    private static func number(_ text: Substring) -> UInt64? {
        text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }

    /// Resolves a label through the GPTs of the LUNs (`tables[lun]`); sectors resolve to themselves.
    public func resolve(in tables: [Int: GPT]) throws -> (lun: Int, start: UInt64, count: UInt64) {
        switch self {
        case let .sectors(lun, start, count):
            return (lun, start, count)
        case let .label(name):
            for lun in tables.keys.sorted() {
                if let partition = tables[lun]?.partition(named: name) {
                    return (lun, partition.firstLBA, partition.sectorCount)
                }
            }
            let known = tables.keys.sorted().flatMap { lun in tables[lun]!.partitions.map(\.name) }
            throw StorageAddressError(text: name, problem: "no partition has this label; the GPTs hold: \(known.joined(separator: ", "))")
        }
    }

    public var description: String {
        switch self {
        case let .label(name): return name
        case let .sectors(lun, start, count): return "\(lun)/\(start)+\(count)"
        }
    }
}

/// A storage address that cannot be understood or found.
public struct StorageAddressError: ActionableError, Equatable {
    /// The text as given.
    public let text: String
    /// What is wrong.
    public let problem: String

    public var exitStatus: ExitStatus { .usage }

    public var advice: String? {
        "give a partition label (see 'termflash partitions') or LUN/START+COUNT in sectors, e.g. 0/34+8192"
    }

    public var description: String { "storage address '\(text)' \(problem)" }
}

import Foundation
