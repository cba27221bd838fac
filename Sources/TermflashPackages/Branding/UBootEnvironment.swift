import TermflashCore

/// A U-Boot environment: the binary block U-Boot keeps in flash (CRC-32 little-endian over the
/// data, an extra flag byte in the redundant layout, then `name=value` strings each ended by
/// NUL, closed by an empty string), or the text `printenv` prints.
public struct UBootEnvironment: Sendable, Equatable {
    /// Variables in the order they appear.
    public var variables: [(name: String, value: String)]

    public static func == (lhs: UBootEnvironment, rhs: UBootEnvironment) -> Bool {
        lhs.variables.map { "\($0.name)=\($0.value)" } == rhs.variables.map { "\($0.name)=\($0.value)" }
    }

    /// The value of `name`.
    public subscript(name: String) -> String? { variables.first { $0.name == name }?.value }

    /// Reads a flash block; `nil` when neither the plain nor the redundant layout's CRC matches.
    public static func parseBlock(_ block: [UInt8]) -> UBootEnvironment? {
        guard block.count > 8 else { return nil }
        let stored = UInt32(block[0]) | UInt32(block[1]) << 8 | UInt32(block[2]) << 16 | UInt32(block[3]) << 24
        for dataStart in [4, 5] where CRC32.checksum(Array(block[dataStart...])) == stored {
            return UBootEnvironment(variables: pairs(block[dataStart...]))
        }
        return nil
    }

    /// Reads `printenv` output (`name=value` per line; other lines are ignored).
    public static func parseText(_ text: String) -> UBootEnvironment {
        var variables: [(String, String)] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else { continue }
            let name = line[..<equals]
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else { continue }
            variables.append((String(name), String(line[line.index(after: equals)...])))
        }
        return UBootEnvironment(variables: variables)
    }

    /// Builds a flash block of `size` bytes holding `variables` (for tests and simulators).
    public static func block(_ variables: [(String, String)], size: Int) -> [UInt8] {
        var data: [UInt8] = []
        for (name, value) in variables { data += Array("\(name)=\(value)".utf8) + [0] }
        data.append(0)
        data += [UInt8](repeating: 0, count: max(0, size - 4 - data.count))
        let crc = CRC32.checksum(data)
        return [0, 8, 16, 24].map { UInt8(truncatingIfNeeded: crc >> UInt32($0)) } + data
    }

    private static func pairs(_ data: ArraySlice<UInt8>) -> [(name: String, value: String)] {
        var result: [(String, String)] = []
        for entry in data.split(separator: 0, omittingEmptySubsequences: false) {
            if entry.isEmpty { break }
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
        }
        return result
    }
}
