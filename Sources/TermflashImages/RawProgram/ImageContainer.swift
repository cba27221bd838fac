import Foundation
import TermflashCore

/// Where a rawprogram set's files live: a folder or a zip archive.
public protocol ImageContainer: AnyObject {
    /// For messages: the folder or zip path.
    var displayName: String { get }
    /// Every file's path relative to the container, with `/` separators.
    var fileNames: [String] { get }
    /// A file's bytes, for small files (XML).
    func data(of name: String) throws -> Data
    /// A file's bytes on demand, never loaded whole.
    func source(of name: String) throws -> ByteSource
}

/// The files of a folder (and its subfolders).
public final class FolderContainer: ImageContainer {
    /// The folder.
    public let url: URL
    public let fileNames: [String]

    /// Lists the folder's files.
    public init(url: URL) throws {
        self.url = url
        let root = url.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw RawProgramError(location: nil, problem: "cannot list the folder \(root)", advice: "check that it exists and is readable")
        }
        var names: [String] = []
        while let name = enumerator.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(name)", isDirectory: &isFolder), !isFolder.boolValue {
                names.append(name)
            }
        }
        fileNames = names.sorted()
    }

    public var displayName: String { url.path }

    public func data(of name: String) throws -> Data {
        try Data(contentsOf: url.appendingPathComponent(name))
    }

    public func source(of name: String) throws -> ByteSource {
        try FileByteSource(path: url.appendingPathComponent(name).path)
    }
}
