import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element directly under the root of a rawprogram or patch file.
struct XMLEntry {
    let name: String
    let attributes: [String: String]
    let line: Int
}

/// Reads the elements under the root of a small XML file (rawprogram*.xml, patch*.xml).
enum XMLEntries {
    /// The root's name and its child elements with their start lines.
    static func read(_ data: Data, file: String) throws -> (root: String, entries: [XMLEntry]) {
        try checkUTF8(data, file: file)
        let collector = Collector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        parser.shouldResolveExternalEntities = false
        let parsed = parser.parse()
        guard parsed, collector.error == nil, collector.root != nil else {
            let line = collector.errorLine ?? parser.lineNumber
            let reason = (collector.error ?? parser.parserError).map { "libxml2 error \(($0 as NSError).code)" } ?? "no root element"
            throw RawProgramError(
                location: EntryLocation(file: file, line: line, index: 0), problem: "not well-formed XML (\(reason))",
                advice: "the file is damaged or is not a rawprogram/patch file; get the set again")
        }
        return (collector.root ?? "", collector.entries)
    }

    /// Refuses bytes that are not UTF-8 before the XML parser sees them (Foundation's parser
    /// traps on names that are not), naming the line and byte offset of the first bad byte.
    private static func checkUTF8(_ data: Data, file: String) throws {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var offset = 0, line = 1
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(scalar):
                offset += UTF8.width(scalar)
                if scalar == "\n" { line += 1 }
            case .emptyInput:
                return
            case .error:
                let hint = data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF])
                    ? "the file is UTF-16; save it as UTF-8" : "save the file as UTF-8, or get the set again if it is damaged"
                throw RawProgramError(location: EntryLocation(file: file, line: line, index: 0),
                                      problem: "byte \(offset) is not UTF-8 text", advice: hint)
            }
        }
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var root: String?
        var entries: [XMLEntry] = []
        var error: Error?
        var errorLine: Int?
        private var depth = 0

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if error == nil {
                error = parseError
                errorLine = parser.lineNumber
            }
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            depth += 1
            if depth == 1 { root = name }
            if depth == 2 { entries.append(XMLEntry(name: name, attributes: attributes, line: parser.lineNumber)) }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            depth -= 1
        }
    }
}
