import Foundation
import TestSupport

/// A temporary folder removed when the test ends.
final class TestFolder {
    let path: String

    init(_ label: String = #function) throws { path = try Fixtures.temporaryDirectory(label) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
