import Foundation
import TermflashCore
import TermflashCrypto

/// Records a serial dialogue as a umockdev script (`r`/`w` lines with the milliseconds since
/// the previous operation), written line by line so a capture survives a crash.
public final class ScriptCaptureWriter {
    /// Where the script goes.
    public let path: String
    private let policy: PayloadPolicy
    private let handle: FileHandle
    private var last = Deadline.now

    /// Creates (truncates) `path`.
    public init(path: String, payloads: PayloadPolicy = .full) throws(CaptureError) {
        self.path = path
        policy = payloads
        handle = try createCaptureFile(path)
    }

    deinit { try? handle.close() }

    /// Appends one operation: what the program wrote (`hostToDevice`) or read.
    public func record(_ direction: DeviceDialogue.Direction, _ bytes: [UInt8]) {
        let now = Deadline.now
        let milliseconds = (now.uptimeNanoseconds - last.uptimeNanoseconds) / 1_000_000
        last = now
        var line: [UInt8]
        if direction == .hostToDevice, policy.hashes(outLength: bytes.count) {
            let hash = PayloadHash(length: bytes.count, sha256: SHA256.hash(bytes))
            line = Array((UMockDevScript.hashedWritePrefix + hash.comment).utf8)
        } else {
            line = Array("\(direction == .hostToDevice ? "w" : "r") \(milliseconds) ".utf8) + UMockDevScript.escape(bytes)
        }
        line.append(0x0A)
        handle.write(Data(line))
    }

    /// Flushes and closes the file.
    public func close() {
        try? handle.synchronize()
        try? handle.close()
    }
}

/// Creates (truncates) a capture file for writing.
func createCaptureFile(_ path: String) throws(CaptureError) -> FileHandle {
    guard FileManager.default.createFile(atPath: path, contents: nil),
          let handle = FileHandle(forWritingAtPath: path) else {
        throw .io(file: path, reason: "cannot be created (check the folder exists and is writable)")
    }
    return handle
}
