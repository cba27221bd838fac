import TermflashCore

/// The arithmetic a Firehose programmer evaluates in `start_sector` and patch `value`
/// attributes: decimal numbers with an optional trailing "." (Trace32 style), hex with 0x,
/// `NUM_DISK_SECTORS`, `+ - * /`, parentheses and `CRC32(start_sector, bytes)` over the disk.
struct PatchExpression {
    let text: String
    let diskSectors: UInt64
    /// CRC-32 of `bytes` bytes from sector `start`.
    let crc32: (UInt64, UInt64) throws -> UInt64
    private var index: String.Index

    init(_ text: String, diskSectors: UInt64, crc32: @escaping (UInt64, UInt64) throws -> UInt64) {
        self.text = text.filter { !$0.isWhitespace }
        self.diskSectors = diskSectors
        self.crc32 = crc32
        index = self.text.startIndex
    }

    /// The value, or an error naming the expression.
    mutating func evaluate() throws -> UInt64 {
        let value = try sum()
        guard index == text.endIndex else { throw FirehoseDeviceError.badExpression(text) }
        return value
    }

    private mutating func sum() throws -> UInt64 {
        var value = try product()
        while let op = peek(), op == "+" || op == "-" {
            advance()
            let right = try product()
            value = op == "+" ? value &+ right : value &- right
        }
        return value
    }

    private mutating func product() throws -> UInt64 {
        var value = try term()
        while let op = peek(), op == "*" || op == "/" {
            advance()
            let right = try term()
            guard op == "*" || right != 0 else { throw FirehoseDeviceError.badExpression(text) }
            value = op == "*" ? value &* right : value / right
        }
        return value
    }

    private mutating func term() throws -> UInt64 {
        if peek() == "(" {
            advance()
            let value = try sum()
            try expect(")")
            return value
        }
        if text[index...].hasPrefix("NUM_DISK_SECTORS") {
            index = text.index(index, offsetBy: "NUM_DISK_SECTORS".count)
            return diskSectors
        }
        if text[index...].hasPrefix("CRC32(") {
            index = text.index(index, offsetBy: 6)
            let start = try sum()
            try expect(",")
            let length = try sum()
            try expect(")")
            return try crc32(start, length)
        }
        return try number()
    }

    private mutating func number() throws -> UInt64 {
        let rest = text[index...]
        if rest.hasPrefix("0x") || rest.hasPrefix("0X") {
            let digits = rest.dropFirst(2).prefix { $0.isHexDigit }
            guard let value = UInt64(digits, radix: 16) else { throw FirehoseDeviceError.badExpression(text) }
            index = text.index(index, offsetBy: 2 + digits.count)
            return value
        }
        let digits = rest.prefix { $0.isNumber }
        guard let value = UInt64(digits) else { throw FirehoseDeviceError.badExpression(text) }
        index = text.index(index, offsetBy: digits.count)
        if peek() == "." { advance() }
        return value
    }

    private func peek() -> Character? { index < text.endIndex ? text[index] : nil }
    private mutating func advance() { index = text.index(after: index) }
    private mutating func expect(_ character: Character) throws {
        guard peek() == character else { throw FirehoseDeviceError.badExpression(text) }
        advance()
    }
}

/// Why the simulated programmer NAKs a command (the text goes into its log).
enum FirehoseDeviceError: Error, CustomStringConvertible {
    case badExpression(String)
    case missingAttribute(String)
    case outOfRange(String)

    var description: String {
        switch self {
        case let .badExpression(text): return "cannot evaluate '\(text)'"
        case let .missingAttribute(name): return "missing attribute \(name)"
        case let .outOfRange(detail): return detail
        }
    }
}
