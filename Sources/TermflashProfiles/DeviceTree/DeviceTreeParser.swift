import Foundation

/// Why a device-tree source could not be read.
public struct DeviceTreeError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads OpenWrt-style device-tree sources: `#include "…"` of files beside it (angle-bracket
/// includes of kernel headers are skipped), `/ { … };` and `&label { … };` overlays merged
/// into one tree. Nodes of `&label` blocks whose label lives in a missing include are kept
/// as detached top-level nodes, so their flash partitions are still found.
public struct DeviceTreeParser {
    /// The merged tree.
    public private(set) var root = DeviceTreeNode(name: "/")
    /// Quoted includes that were not found (the tree may lack their nodes).
    public private(set) var missingIncludes: [String] = []
    private var detached: [DeviceTreeNode] = []

    /// Reads `path` and everything it includes.
    public static func parse(file path: String) throws -> DeviceTreeParser {
        var parser = DeviceTreeParser()
        try parser.read(path, depth: 0)
        parser.root.children += parser.detached
        return parser
    }

    /// Reads source text (includes resolved against `folder`).
    public static func parse(text: String, name: String = "<text>", folder: String = ".") throws -> DeviceTreeParser {
        var parser = DeviceTreeParser()
        try parser.read(text: text, name: name, folder: folder, depth: 0)
        parser.root.children += parser.detached
        return parser
    }

    private mutating func read(_ path: String, depth: Int) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeviceTreeError(file: path, line: 0, message: "cannot be read; check the path")
        }
        try read(text: String(decoding: data, as: UTF8.self), name: path,
                 folder: (path as NSString).deletingLastPathComponent, depth: depth)
    }

    private mutating func read(text: String, name: String, folder: String, depth: Int) throws {
        guard depth < 16 else { throw DeviceTreeError(file: name, line: 0, message: "includes nest deeper than 16 levels") }
        var body = ""
        var firstLine = 1
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingWhitespace()
            if let include = Self.quotedInclude(trimmed) {
                try flush(&body, name: name, firstLine: firstLine)
                firstLine = index + 2
                if let found = Self.locate(include, in: folder) {
                    try read(found, depth: depth + 1)
                } else {
                    missingIncludes.append(include)
                }
            } else if trimmed.hasPrefix("#include") || trimmed.hasPrefix("#define") || trimmed.hasPrefix("#if")
                        || trimmed.hasPrefix("#endif") || trimmed.hasPrefix("#else") || trimmed.hasPrefix("#undef") {
                body += "\n"  // kernel headers and macros: skipped, the line count kept
            } else {
                body += line + "\n"
            }
        }
        try flush(&body, name: name, firstLine: firstLine)
    }

    /// Parses the text gathered since the last include.
    private mutating func flush(_ body: inout String, name: String, firstLine: Int) throws {
        defer { body = "" }
        var scanner = DeviceTreeScanner(text: body, file: name, firstLine: firstLine)
        while let statement = try scanner.nextTopLevel() {
            switch statement {
            case let .root(node): root.merge(node)
            case let .overlay(label, node): apply(node, to: label)
            case .deleteNode, .directive: break
            }
        }
    }

    private mutating func apply(_ overlay: DeviceTreeNode, to label: String) {
        if Self.mergeInto(&root, label: label, overlay) { return }
        for index in detached.indices where Self.mergeInto(&detached[index], label: label, overlay) { return }
        var node = overlay
        node.name = "&" + label
        node.labels.insert(label, at: 0)
        detached.append(node)
    }

    private static func mergeInto(_ node: inout DeviceTreeNode, label: String, _ overlay: DeviceTreeNode) -> Bool {
        if node.labels.contains(label) {
            node.merge(overlay)
            return true
        }
        for index in node.children.indices where mergeInto(&node.children[index], label: label, overlay) { return true }
        return false
    }

    static func quotedInclude(_ line: String) -> String? {
        for prefix in ["#include", "/include/"] where line.hasPrefix(prefix) {
            let rest = line.dropFirst(prefix.count).trimmingWhitespace()
            guard rest.hasPrefix("\""), let end = rest.dropFirst().firstIndex(of: "\"") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<end])
        }
        return nil
    }

    /// `name` beside the including file, or a file named `<target>__name[__<repository>]`
    /// (how OpenWrt trees are collected flat).
    static func locate(_ name: String, in folder: String) -> String? {
        let direct = folder + "/" + name
        if FileManager.default.fileExists(atPath: direct) { return direct }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let matches = entries.filter { $0.hasSuffix("__" + name) || $0.contains("__" + name + "__") }.sorted()
        return matches.first.map { folder + "/" + $0 }
    }
}
