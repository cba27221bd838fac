/// Parses U-Boot's `md.b` output: `ADDRESS: xx xx … xx    ascii`, 16 bytes a line.
public enum MemoryDump {
    /// The bytes of `length` from `address`; every line's address must follow the last.
    public static func parse(_ lines: [String], from address: UInt64, length: Int,
                             command: String) throws(UBootError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for line in lines {
            guard let colon = line.firstIndex(of: ":"),
                  let lineAddress = UInt64(line[..<colon].trimmingWhitespace(), radix: 16) else { continue }
            guard lineAddress == address + UInt64(bytes.count) else {
                throw .unexpectedOutput(command: command, reason: "line at \(hex(lineAddress)) where \(hex(address + UInt64(bytes.count))) was due: a line was lost", output: [line])
            }
            let values = hexBytes(after: line[line.index(after: colon)...])
            guard !values.isEmpty else {
                throw .unexpectedOutput(command: command, reason: "no bytes on the line for \(hex(lineAddress))", output: [line])
            }
            bytes += values.prefix(length - bytes.count)
        }
        guard bytes.count == length else {
            throw .unexpectedOutput(command: command, reason: "md.b printed \(bytes.count) of \(length) bytes", output: Array(lines.suffix(2)))
        }
        return bytes
    }

    /// The ` xx` groups at the start of `text`, up to 16; the ASCII column after the
    /// wider gap is not read.
    static func hexBytes(after text: Substring) -> [UInt8] {
        var values: [UInt8] = []
        var rest = Substring(text)
        while values.count < 16, rest.first == " " {
            let digits = rest.dropFirst().prefix(2)
            guard digits.count == 2, let value = UInt8(digits, radix: 16) else { break }
            values.append(value)
            rest = rest.dropFirst(3)
        }
        return values
    }
}
