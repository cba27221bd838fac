/// A sector number as rawprogram/patch files write it: `6`, `NUM_DISK_SECTORS-33.`, `0x22`.
/// Symbolic values are resolved once the LUN's size is known (Firehose `getstorageinfo`).
public struct SectorExpression: Hashable, Sendable, CustomStringConvertible {
    /// The text as it appeared in the file (sent unchanged to a programmer that evaluates it).
    public let text: String
    /// The parsed form.
    public let expression: Expression

    /// Parses `text`; a `CRC32(...)` is refused since a sector number never reads storage.
    public init(_ text: String) throws(ExpressionError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expression = try Expression.parse(trimmed)
        guard !expression.readsStorage else {
            throw .syntax(text: trimmed, position: 0, expected: "a sector number, not a CRC32(...)")
        }
        self.text = trimmed
        self.expression = expression
    }

    /// A plain sector number.
    public init(sector: UInt64) {
        text = "\(sector)"
        expression = .number(sector)
    }

    /// The number when it does not depend on the disk size.
    public var literal: UInt64? {
        expression.dependsOnDiskSize ? nil : try? expression.evaluate(diskSectors: nil)
    }

    /// True for `NUM_DISK_SECTORS-…` forms.
    public var isSymbolic: Bool { expression.dependsOnDiskSize }

    /// The sector on a LUN of `diskSectors` sectors.
    public func resolve(diskSectors: UInt64) throws -> UInt64 {
        try expression.evaluate(diskSectors: diskSectors)
    }

    public var description: String { text }
}

import Foundation
