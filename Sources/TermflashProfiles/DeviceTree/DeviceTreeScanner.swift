/// The statement-level grammar of a device-tree source (after include handling).
struct DeviceTreeScanner {
    enum Statement {
        case root(DeviceTreeNode)
        case overlay(label: String, DeviceTreeNode)
        case deleteNode
        case directive
    }

    private let characters: [Character]
    private let file: String
    private var position = 0
    private var line = 1

    init(text: String, file: String, firstLine: Int = 1) {
        characters = Array(text)
        self.file = file
        line = firstLine
    }

    mutating func nextTopLevel() throws -> Statement? {
        skipTrivia()
        guard let character = peek() else { return nil }
        if character == "/" {
            if match("/dts-v1/") || match("/plugin/") { try expect(";"); return .directive }
            if match("/delete-node/") { _ = try word(); try expect(";"); return .deleteNode }
            if match("/memreserve/") { try skipPast(";"); return .directive }
            advance()
            skipTrivia()
            return .root(try nodeBody(name: "/", labels: []))
        }
        if character == "&" {
            advance()
            let label = try referenceName()
            skipTrivia()
            return .overlay(label: label, try nodeBody(name: "&" + label, labels: []))
        }
        // `label: &other { … }` or `label: / { … }` are rare; treat a leading label as part of the next node
        let labels = try labelsBeforeName()
        skipTrivia()
        if peek() == "&" {
            advance()
            let label = try referenceName()
            skipTrivia()
            return .overlay(label: label, try nodeBody(name: "&" + label, labels: labels))
        }
        throw failure("expected '/ {' or '&label {' at top level")
    }

    // MARK: Nodes

    /// `{ properties and child nodes };`
    private mutating func nodeBody(name: String, labels: [String]) throws -> DeviceTreeNode {
        try expect("{")
        var node = DeviceTreeNode(name: name, labels: labels)
        while true {
            skipTrivia()
            guard let character = peek() else { throw failure("node '\(name)' is not closed with '};'") }
            if character == "}" {
                advance()
                skipTrivia()
                try expect(";")
                return node
            }
            if match("/delete-node/") { _ = try word(); try expect(";"); continue }
            if match("/delete-property/") {
                let property = try word()
                node.properties.removeAll { $0.name == property }
                node.deletedProperties.append(property)
                try expect(";")
                continue
            }
            try member(of: &node)
        }
    }

    private mutating func member(of node: inout DeviceTreeNode) throws {
        let labels = try labelsBeforeName()
        skipTrivia()
        let name = try word()
        skipTrivia()
        switch peek() {
        case "{":
            let child = try nodeBody(name: name, labels: labels)
            if let index = node.children.firstIndex(where: { $0.name == name }) {
                node.children[index].merge(child)
            } else {
                node.children.append(child)
            }
        case ";":
            advance()
            node.properties.removeAll { $0.name == name }
            node.properties.append(DeviceTreeProperty(name: name, values: []))
        case "=":
            advance()
            let values = try propertyValues()
            node.properties.removeAll { $0.name == name }
            node.properties.append(DeviceTreeProperty(name: name, values: values))
        default:
            throw failure("expected '{', '=' or ';' after '\(name)'")
        }
    }

    private mutating func labelsBeforeName() throws -> [String] {
        var labels: [String] = []
        while true {
            skipTrivia()
            let start = position, startLine = line
            guard let candidate = try? word() else { position = start; line = startLine; return labels }
            skipTrivia()
            if peek() == ":" {
                advance()
                labels.append(candidate)
            } else {
                position = start
                line = startLine
                return labels
            }
        }
    }

    // MARK: Values

    private mutating func propertyValues() throws -> [DeviceTreeValue] {
        var values: [DeviceTreeValue] = []
        while true {
            skipTrivia()
            switch peek() {
            case "\"": values.append(.string(try quoted()))
            case "<": values.append(.cells(try cells()))
            case "[": values.append(.bytes(try byteString()))
            case "&": advance(); values.append(.reference(try referenceName()))
            default:
                // a bare macro, e.g. `linux,code = KEY_WPS_BUTTON;` in some trees
                values.append(.cells([.symbol(try word())]))
            }
            skipTrivia()
            if peek() == "," { advance(); continue }
            try expect(";")
            return values
        }
    }

    private mutating func cells() throws -> [DeviceTreeCell] {
        try expect("<")
        var cells: [DeviceTreeCell] = []
        while true {
            skipTrivia()
            guard let character = peek() else { throw failure("'<' is not closed with '>'") }
            if character == ">" { advance(); return cells }
            if character == "&" {
                advance()
                cells.append(.reference(try referenceName()))
            } else if character == "(" {
                cells.append(.symbol(try parenthesised()))
            } else {
                let token = try word()
                cells.append(Self.number(token).map(DeviceTreeCell.number) ?? .symbol(token))
            }
        }
    }

    private mutating func byteString() throws -> [UInt8] {
        try expect("[")
        var digits = ""
        while let character = peek(), character != "]" {
            if character.isHexDigit { digits.append(character) }
            advance()
        }
        try expect("]")
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex) {
            bytes.append(UInt8(digits[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    private mutating func quoted() throws -> String {
        try expect("\"")
        var text = ""
        while let character = peek(), character != "\"" {
            advance()
            if character == "\\", let escaped = peek() { text.append(escaped); advance() } else { text.append(character) }
        }
        try expect("\"")
        return text
    }

    private mutating func parenthesised() throws -> String {
        var depth = 0
        var text = ""
        repeat {
            guard let character = peek() else { throw failure("'(' is not closed") }
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            text.append(character)
            advance()
        } while depth > 0
        return text
    }

    static func number(_ token: String) -> UInt64? {
        var digits = Substring(token)
        while let last = digits.last, last == "U" || last == "L" || last == "u" || last == "l" { digits.removeLast() }
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { return UInt64(digits.dropFirst(2), radix: 16) }
        return UInt64(digits)
    }

    // MARK: Lexing

    private mutating func word() throws -> String {
        skipTrivia()
        var text = ""
        while let character = peek(), Self.isNameCharacter(character) {
            text.append(character)
            advance()
        }
        guard !text.isEmpty else { throw failure("expected a name, found '\(peek().map(String.init) ?? "end of file")'") }
        return text
    }

    /// `label` after `&`, or `{/path}`.
    private mutating func referenceName() throws -> String {
        if peek() == "{" {
            advance()
            var path = ""
            while let character = peek(), character != "}" { path.append(character); advance() }
            try expect("}")
            return path
        }
        return try word()
    }

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || ",._+-@#?*".contains(character)
    }

    private mutating func skipTrivia() {
        while let character = peek() {
            if character.isWhitespace {
                advance()
            } else if character == "/", peek(1) == "/" {
                while let next = peek(), next != "\n" { advance() }
            } else if character == "/", peek(1) == "*" {
                advance(); advance()
                while peek() != nil, !(peek() == "*" && peek(1) == "/") { advance() }
                advance(); advance()
            } else {
                return
            }
        }
    }

    private mutating func skipPast(_ terminator: Character) throws {
        while let character = peek() {
            advance()
            if character == terminator { return }
        }
        throw failure("expected '\(terminator)'")
    }

    private mutating func expect(_ character: Character) throws {
        skipTrivia()
        guard peek() == character else {
            throw failure("expected '\(character)', found '\(peek().map(String.init) ?? "end of file")'")
        }
        advance()
    }

    private mutating func match(_ keyword: String) -> Bool {
        let end = position + keyword.count
        guard end <= characters.count, String(characters[position..<end]) == keyword else { return false }
        for _ in 0..<keyword.count { advance() }
        return true
    }

    private func peek(_ offset: Int = 0) -> Character? {
        position + offset < characters.count ? characters[position + offset] : nil
    }

    private mutating func advance() {
        guard position < characters.count else { return }
        if characters[position] == "\n" { line += 1 }
        position += 1
    }

    private func failure(_ message: String) -> DeviceTreeError {
        DeviceTreeError(file: file, line: line, message: message)
    }
}
