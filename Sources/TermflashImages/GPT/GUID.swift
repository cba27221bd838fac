import TermflashCore

/// A GUID as GPT stores it: the first three fields little-endian, the last two as bytes (UEFI 2.10 appendix A).
public struct GUID: Hashable, Sendable, CustomStringConvertible {
    /// The 16 bytes in on-disk order.
    public let bytes: [UInt8]

    /// The all-zero GUID (an unused partition entry).
    public static let zero = GUID(diskBytes: [UInt8](repeating: 0, count: 16))

    /// A GUID from its 16 on-disk bytes.
    public init(diskBytes: [UInt8]) {
        precondition(diskBytes.count == 16, "a GUID is 16 bytes")
        bytes = diskBytes
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case).
    public init?(_ text: String) {
        let groups = text.split(separator: "-")
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return nil }
        var bytes: [UInt8] = []
        for (index, group) in groups.enumerated() {
            var groupBytes: [UInt8] = []
            var characters = Substring(group)
            while !characters.isEmpty {
                guard let byte = UInt8(characters.prefix(2), radix: 16) else { return nil }
                groupBytes.append(byte)
                characters = characters.dropFirst(2)
            }
            bytes += index < 3 ? groupBytes.reversed() : groupBytes
        }
        self.bytes = bytes
    }

    /// A random (version 4) GUID from `generator`, for reproducible test disks.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> GUID {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[7] = (bytes[7] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return GUID(diskBytes: bytes)
    }

    public var description: String {
        func hex(_ range: [UInt8]) -> String { range.map { String(format: "%02X", $0) }.joined() }
        return [hex(bytes[0..<4].reversed()), hex(bytes[4..<6].reversed()), hex(bytes[6..<8].reversed()),
                hex(Array(bytes[8..<10])), hex(Array(bytes[10..<16]))].joined(separator: "-")
    }
}

import Foundation
