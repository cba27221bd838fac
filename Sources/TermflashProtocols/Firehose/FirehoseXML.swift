import TermflashCore

/// One XML element of a Firehose document: `<program SECTOR_SIZE_IN_BYTES="512" …/>`.
/// Attributes keep their order, so the bytes a host sends are stable (captures replay them).
public struct FirehoseElement: Equatable, Sendable, CustomStringConvertible {
    /// The tag: `configure`, `program`, `response`, `log`…
    public var name: String
    /// Attributes in document order.
    public var attributes: [(String, String)]

    /// An element.
    public init(_ name: String, _ attributes: [(String, String)] = []) {
        self.name = name
        self.attributes = attributes
    }

    /// The value of `key` (exact spelling first, then ignoring case, as programmers differ).
    public subscript(key: String) -> String? {
        attributes.first { $0.0 == key }?.1 ?? attributes.first { $0.0.lowercased() == key.lowercased() }?.1
    }

    public static func == (lhs: FirehoseElement, rhs: FirehoseElement) -> Bool {
        lhs.name == rhs.name && lhs.attributes.map(\.0) == rhs.attributes.map(\.0) && lhs.attributes.map(\.1) == rhs.attributes.map(\.1)
    }

    /// `<name a="b" …/>`.
    public var description: String {
        "<\(name)" + attributes.map { " \($0.0)=\"\(FirehoseXML.escape($0.1))\"" }.joined() + " />"
    }

    /// The whole document as it goes on the wire.
    public func document() -> [UInt8] {
        FirehoseXML.document([self])
    }
}

/// Reads and writes Firehose's XML: just enough XML for what programmers send (elements with
/// attributes inside `<data>`), written by hand so it is sans-I/O and never crashes on bad input.
public enum FirehoseXML {
    /// The XML declaration every document starts with.
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>"

    /// `<?xml …?><data>elements</data>` as bytes.
    public static func document(_ elements: [FirehoseElement]) -> [UInt8] {
        Array((declaration + "<data>" + elements.map(\.description).joined() + "</data>").utf8)
    }

    /// The elements inside the document's `<data>` (or at top level), in order.
    public static func elements(in document: [UInt8]) throws(FirehoseError) -> [FirehoseElement] {
        var scanner = Scanner(bytes: document)
        var found: [FirehoseElement] = []
        while let element = try scanner.nextElement() {
            if element.name != "data" { found.append(element) }
        }
        return found
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingAll("&quot;", "\"").replacingAll("&apos;", "'").replacingAll("&lt;", "<")
            .replacingAll("&gt;", ">").replacingAll("&amp;", "&")
    }

    /// Walks tags; skips the declaration, comments, closing tags and text.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func nextElement() throws(FirehoseError) -> FirehoseElement? {
            while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
                index = open + 1
                guard index < bytes.count else {
                    throw FirehoseError.malformedXML(reason: "document ends inside a tag at byte \(open)", excerpt: excerpt(open))
                }
                let first = bytes[index]
                if first == UInt8(ascii: "?") || first == UInt8(ascii: "!") || first == UInt8(ascii: "/") {
                    try skipTag(from: open)
                    continue
                }
                return try element(from: open)
            }
            return nil
        }

        private mutating func skipTag(from open: Int) throws(FirehoseError) {
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else {
                throw FirehoseError.malformedXML(reason: "tag at byte \(open) never closes", excerpt: excerpt(open))
            }
            index = close + 1
        }

        private mutating func element(from open: Int) throws(FirehoseError) -> FirehoseElement {
            let name = word()
            guard !name.isEmpty else { throw FirehoseError.malformedXML(reason: "tag without a name at byte \(open)", excerpt: excerpt(open)) }
            var attributes: [(String, String)] = []
            while true {
                skipSpaces()
                guard index < bytes.count else {
                    throw FirehoseError.malformedXML(reason: "<\(name)> at byte \(open) never closes", excerpt: excerpt(open))
                }
                if bytes[index] == UInt8(ascii: "/") || bytes[index] == UInt8(ascii: ">") {
                    index = (bytes[index...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count - 1) + 1
                    return FirehoseElement(name, attributes)
                }
                let key = word()
                skipSpaces()
                guard !key.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                    throw FirehoseError.malformedXML(reason: "attribute without a value in <\(name)> at byte \(index)", excerpt: excerpt(open))
                }
                index += 1
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
                    throw FirehoseError.malformedXML(reason: "unquoted value of \(key) in <\(name)>", excerpt: excerpt(open))
                }
                let quote = bytes[index]
                index += 1
                guard let end = bytes[index...].firstIndex(of: quote) else {
                    throw FirehoseError.malformedXML(reason: "value of \(key) in <\(name)> never ends", excerpt: excerpt(open))
                }
                attributes.append((key, FirehoseXML.unescape(String(decoding: bytes[index..<end], as: UTF8.self))))
                index = end + 1
            }
        }

        private mutating func word() -> String {
            let start = index
            while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private mutating func skipSpaces() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        private func isNameByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte == 0x2D
                || byte == 0x2E || byte == 0x3A
        }

        private func excerpt(_ at: Int) -> String {
            String(decoding: bytes[at..<min(bytes.count, at + 60)], as: UTF8.self)
        }
    }
}

extension String {
    func replacingAll(_ target: String, _ replacement: String) -> String {
        components(separatedBy: target).joined(separator: replacement)
    }
}

/// Splits a Firehose byte stream into XML documents and raw data. Several documents, or a
/// document plus raw data, can arrive in one read (stream transports): documents end at
/// `</data>` and the rest stays buffered for the next call.
public struct FirehoseStreamSplitter {
    private var buffer: [UInt8] = []
    private var start = 0
    private static let terminator = Array("</data>".utf8)
    /// A document longer than this without `</data>` is garbage.
    public var maximumDocumentLength = 1 << 20

    /// An empty splitter.
    public init() {}

    /// Appends received bytes.
    public mutating func feed(_ bytes: [UInt8]) {
        if start > 0, start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        buffer += bytes
    }

    /// Bytes buffered and not yet taken.
    public var buffered: Int { buffer.count - start }

    /// The next whole document, or `nil` until `</data>` arrives.
    public mutating func nextDocument() throws(FirehoseError) -> [UInt8]? {
        guard buffered >= Self.terminator.count else { return nil }
        if let end = find(Self.terminator) {
            let document = Array(buffer[start..<end + Self.terminator.count])
            start = end + Self.terminator.count
            compact()
            return document
        }
        if buffered > maximumDocumentLength {
            let excerpt = String(decoding: buffer[start..<start + 60], as: UTF8.self)
            buffer.removeAll()
            start = 0
            throw FirehoseError.malformedXML(reason: "more than \(maximumDocumentLength) bytes without </data>", excerpt: excerpt)
        }
        return nil
    }

    /// Up to `count` buffered bytes as raw data (the payload of a read, or of a program on the device side).
    public mutating func takeRaw(upTo count: Int) -> ArraySlice<UInt8> {
        let end = start + min(count, buffered)
        let slice = buffer[start..<end]
        start = end
        return slice
    }

    /// Drops leading whitespace and NUL bytes between documents (some programmers pad).
    public mutating func skipFiller() {
        while start < buffer.count, [0x00, 0x0A, 0x0D, 0x20].contains(buffer[start]) { start += 1 }
    }

    private mutating func compact() {
        if start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        let last = buffer.count - needle.count
        var index = start
        while index <= last {
            if buffer[index] == needle[0] {
                var match = true
                for offset in 1..<needle.count where buffer[index + offset] != needle[offset] {
                    match = false
                    break
                }
                if match { return index }
            }
            index += 1
        }
        return nil
    }
}
