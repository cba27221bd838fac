/// Writes rawprogram and patch files in the layout Qualcomm's tools produce (one element per line).
struct RawProgramXMLWriter {
    private var lines: [String]
    private let root: String

    init(root: String, note: String) {
        self.root = root
        lines = ["<?xml version=\"1.0\" ?>", "<\(root)>", "  <!--NOTE: \(Self.escape(note))-->"]
    }

    /// Adds `<name a="v" …/>` with the attributes in the given order.
    mutating func element(_ name: String, _ attributes: [(String, String)]) {
        let text = attributes.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: " ")
        lines.append("  <\(name) \(text)/>")
    }

    var text: String { (lines + ["</\(root)>", ""]).joined(separator: "\n") }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
