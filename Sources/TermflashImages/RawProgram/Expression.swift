import TermflashCore

/// An arithmetic expression as Qualcomm's rawprogram and patch files write them:
/// decimal numbers (a trailing `.` marks decimal, a Trace32 convention), `0x` hex numbers,
/// the symbol `NUM_DISK_SECTORS`, `+ - * /`, parentheses and `CRC32(start, length)`.
/// Examples: `34`, `NUM_DISK_SECTORS-33.`, `(4096*NUM_DISK_SECTORS)-20480.`, `CRC32(NUM_DISK_SECTORS-33.,16384)`.
public indirect enum Expression: Hashable, Sendable, CustomStringConvertible {
    case number(UInt64)
    case diskSectors
    case add(Expression, Expression)
    case subtract(Expression, Expression)
    case multiply(Expression, Expression)
    case divide(Expression, Expression)
    /// CRC-32 of `length` bytes starting at sector `start` of the patch's LUN or file.
    case crc32(start: Expression, length: Expression)

    /// Parses `text`; throws ``ExpressionError`` naming the position of the fault.
    public static func parse(_ text: String) throws(ExpressionError) -> Expression {
        var parser = ExpressionParser(text: text)
        return try parser.parseWhole()
    }

    /// True when the value depends on the disk's size (`NUM_DISK_SECTORS` appears).
    public var dependsOnDiskSize: Bool {
        switch self {
        case .number: return false
        case .diskSectors: return true
        case let .add(a, b), let .subtract(a, b), let .multiply(a, b), let .divide(a, b),
             let .crc32(a, b):
            return a.dependsOnDiskSize || b.dependsOnDiskSize
        }
    }

    /// True when evaluating needs storage contents (a `CRC32(...)` appears).
    public var readsStorage: Bool {
        switch self {
        case .number, .diskSectors: return false
        case .crc32: return true
        case let .add(a, b), let .subtract(a, b), let .multiply(a, b), let .divide(a, b):
            return a.readsStorage || b.readsStorage
        }
    }

    /// The value; `crc32` computes a CRC over bytes from `readBytes(startSector, byteCount)`.
    public func evaluate(
        diskSectors: UInt64?, readBytes: ((UInt64, UInt64) throws -> [UInt8])? = nil
    ) throws -> UInt64 {
        switch self {
        case let .number(value): return value
        case .diskSectors:
            guard let diskSectors else { throw ExpressionError.needsDiskSize(expression: description) }
            return diskSectors
        case let .add(a, b):
            return try checked(a, b, diskSectors, readBytes, "+") { $0.addingReportingOverflow($1) }
        case let .subtract(a, b):
            return try checked(a, b, diskSectors, readBytes, "-") { $0.subtractingReportingOverflow($1) }
        case let .multiply(a, b):
            return try checked(a, b, diskSectors, readBytes, "*") { $0.multipliedReportingOverflow(by: $1) }
        case let .divide(a, b):
            let divisor = try b.evaluate(diskSectors: diskSectors, readBytes: readBytes)
            guard divisor != 0 else { throw ExpressionError.divisionByZero(expression: description) }
            return try a.evaluate(diskSectors: diskSectors, readBytes: readBytes) / divisor
        case let .crc32(startExpression, lengthExpression):
            guard let readBytes else { throw ExpressionError.needsStorage(expression: description) }
            let start = try startExpression.evaluate(diskSectors: diskSectors, readBytes: readBytes)
            let length = try lengthExpression.evaluate(diskSectors: diskSectors, readBytes: readBytes)
            let bytes = try readBytes(start, length)
            guard UInt64(bytes.count) == length else {
                throw ExpressionError.shortRead(expression: description, wanted: length, got: bytes.count)
            }
            return UInt64(CRC32.checksum(bytes))
        }
    }

    private func checked(
        _ a: Expression, _ b: Expression, _ diskSectors: UInt64?,
        _ readBytes: ((UInt64, UInt64) throws -> [UInt8])?, _ symbol: String,
        _ operation: (UInt64, UInt64) -> (partialValue: UInt64, overflow: Bool)
    ) throws -> UInt64 {
        let left = try a.evaluate(diskSectors: diskSectors, readBytes: readBytes)
        let right = try b.evaluate(diskSectors: diskSectors, readBytes: readBytes)
        let result = operation(left, right)
        guard !result.overflow else {
            throw ExpressionError.outOfRange(expression: description, detail: "\(left) \(symbol) \(right)")
        }
        return result.partialValue
    }

    public var description: String {
        switch self {
        case let .number(value): return "\(value)"
        case .diskSectors: return "NUM_DISK_SECTORS"
        case let .add(a, b): return "(\(a)+\(b))"
        case let .subtract(a, b): return "(\(a)-\(b))"
        case let .multiply(a, b): return "(\(a)*\(b))"
        case let .divide(a, b): return "(\(a)/\(b))"
        case let .crc32(a, b): return "CRC32(\(a),\(b))"
        }
    }
}

/// Why an expression could not be parsed or evaluated.
public enum ExpressionError: Error, Equatable, CustomStringConvertible {
    case syntax(text: String, position: Int, expected: String)
    case needsDiskSize(expression: String)
    case needsStorage(expression: String)
    case divisionByZero(expression: String)
    case outOfRange(expression: String, detail: String)
    case shortRead(expression: String, wanted: UInt64, got: Int)

    public var description: String {
        switch self {
        case let .syntax(text, position, expected):
            return "cannot read '\(text)' at character \(position + 1): expected \(expected)"
        case let .needsDiskSize(expression):
            return "'\(expression)' needs the disk size (NUM_DISK_SECTORS), which is not known here"
        case let .needsStorage(expression):
            return "'\(expression)' needs to read storage, which is not available here"
        case let .divisionByZero(expression):
            return "'\(expression)' divides by zero"
        case let .outOfRange(expression, detail):
            return "'\(expression)' leaves the range of unsigned 64-bit numbers (\(detail))"
        case let .shortRead(expression, wanted, got):
            return "'\(expression)' needs \(wanted) bytes but only \(got) could be read"
        }
    }
}

/// Recursive-descent parser: sum := product (('+'|'-') product)*; product := atom (('*'|'/') atom)*.
struct ExpressionParser {
    let text: String
    private let characters: [Character]
    private var index = 0
    private var depth = 0
    /// Nesting deeper than this is refused (real files nest twice at most).
    private static let maximumDepth = 32

    init(text: String) {
        self.text = text
        characters = Array(text)
    }

    mutating func parseWhole() throws(ExpressionError) -> Expression {
        let expression = try parseSum()
        skipSpaces()
        guard index == characters.count else { throw failure("an operator or the end") }
        return expression
    }

    private mutating func parseSum() throws(ExpressionError) -> Expression {
        var left = try parseProduct()
        while true {
            skipSpaces()
            if accept("+") { left = .add(left, try parseProduct()) }
            else if accept("-") { left = .subtract(left, try parseProduct()) }
            else { return left }
        }
    }

    private mutating func parseProduct() throws(ExpressionError) -> Expression {
        var left = try parseAtom()
        while true {
            skipSpaces()
            if accept("*") { left = .multiply(left, try parseAtom()) }
            else if accept("/") { left = .divide(left, try parseAtom()) }
            else { return left }
        }
    }

    private mutating func parseAtom() throws(ExpressionError) -> Expression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw failure("less nesting (at most \(Self.maximumDepth) levels)") }
        skipSpaces()
        if accept("(") {
            let inner = try parseSum()
            skipSpaces()
            guard accept(")") else { throw failure("')'") }
            return inner
        }
        if acceptWord("NUM_DISK_SECTORS") { return .diskSectors }
        if acceptWord("CRC32") { return try parseCRC32Arguments() }
        return .number(try parseNumber())
    }

    private mutating func parseCRC32Arguments() throws(ExpressionError) -> Expression {
        skipSpaces()
        guard accept("(") else { throw failure("'(' after CRC32") }
        let start = try parseSum()
        skipSpaces()
        guard accept(",") else { throw failure("',' between the CRC32 start sector and length") }
        let length = try parseSum()
        skipSpaces()
        guard accept(")") else { throw failure("')' closing CRC32") }
        return .crc32(start: start, length: length)
    }

    private mutating func parseNumber() throws(ExpressionError) -> UInt64 {
        let begin = index
        var radix = 10
        if peek("0"), index + 1 < characters.count, characters[index + 1] == "x" || characters[index + 1] == "X" {
            radix = 16
            index += 2
        }
        let digitsStart = index
        while index < characters.count, characters[index].isHexDigit, radix == 16 || characters[index].isNumber {
            index += 1
        }
        guard index > digitsStart, let value = UInt64(String(characters[digitsStart..<index]), radix: radix) else {
            index = begin
            throw failure("a number, NUM_DISK_SECTORS, CRC32(...) or '('")
        }
        if radix == 10 { _ = accept(".") }
        return value
    }

    private mutating func skipSpaces() {
        while index < characters.count, characters[index].isWhitespace { index += 1 }
    }

    private func peek(_ character: Character) -> Bool {
        index < characters.count && characters[index] == character
    }

    private mutating func accept(_ character: Character) -> Bool {
        guard peek(character) else { return false }
        index += 1
        return true
    }

    private mutating func acceptWord(_ word: String) -> Bool {
        let letters = Array(word)
        guard index + letters.count <= characters.count,
              Array(characters[index..<index + letters.count]) == letters else { return false }
        index += letters.count
        return true
    }

    private func failure(_ expected: String) -> ExpressionError {
        .syntax(text: text, position: index, expected: expected)
    }
}
