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
