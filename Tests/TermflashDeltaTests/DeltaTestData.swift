import Foundation
import TermflashCore
import TestSupport
import XCTest

/// Old/new pairs for delta tests: generated ones shaped like firmware, and the real pairs
/// shipped xz-compressed under Tests/Fixtures/delta.
enum DeltaTestData {
    /// Machine-code-like bytes: instructions whose 32-bit addresses all move when code is
    /// inserted, the case where a suffix-array delta with diff bytes beats plain copies.
    static func codePair(size: Int, seed: UInt64) -> (old: [UInt8], new: [UInt8]) {
        var random = SplitMix64(seed: seed)
        var old: [UInt8] = []
        var new: [UInt8] = []
        while old.count < size {
            let body = (0..<(1 + Int(random.next() % 7))).map { _ in UInt8(truncatingIfNeeded: random.next() % 40) }
            old += body
            new += body
            if random.next() % 4 == 0 {
                let address = UInt32(truncatingIfNeeded: random.next() % 65536) * 16
                withUnsafeBytes(of: address.littleEndian) { old += $0 }
                withUnsafeBytes(of: (address + 0x40).littleEndian) { new += $0 }
            }
            if random.next() % 997 == 0 { new += (0..<40).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
        }
        return (old, new)
    }

    /// Random bytes with a few edits, deletions and insertions.
    static func editedPair(size: Int, seed: UInt64) -> (old: [UInt8], new: [UInt8]) {
        var random = SplitMix64(seed: seed)
        let old = (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var new = old
        for _ in 0..<8 {
            let at = Int(random.next() % UInt64(new.count))
            switch random.next() % 3 {
            case 0: new[at] ^= 0x5A
            case 1: new.removeSubrange(at..<min(new.count, at + 300))
            default: new.insert(contentsOf: (0..<500).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: at)
            }
        }
        return (old, new)
    }

    /// A real pair from Tests/Fixtures/delta/<name>/{old,new}.bin.xz, unpacked with xz.
    static func realPair(_ name: String) throws -> (old: [UInt8], new: [UInt8]) {
        let folder = Fixtures.repositoryRoot + "/Tests/Fixtures/delta/" + name
        return (try unxz(folder + "/old.bin.xz"), try unxz(folder + "/new.bin.xz"))
    }

    private static func unxz(_ path: String) throws -> [UInt8] {
        let xz = try XCTUnwrap(which("xz"), "xz is missing: run 'make test', which installs xz-utils")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xz)
        process.arguments = ["-dc", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "xz -dc \(path)")
        return [UInt8](data)
    }
}
