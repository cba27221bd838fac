import Foundation

/// The result of running a program.
public struct ProcessResult {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
}

/// Runs a program to completion, capturing both streams, with umockdev's variables removed
/// from the environment so a child starts its own testbed. `workingDirectory` keeps files a
/// program writes beside itself (journals, backups) out of the checkout.
public func runProcess(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
                       workingDirectory: String? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
    var environment = ProcessInfo.processInfo.environment
    for key in ["LD_PRELOAD", "UMOCKDEV_DIR"] { environment.removeValue(forKey: key) }
    process.environment = environment.merging(extra) { $1 }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData, as: UTF8.self))
}

/// Finds a program on `PATH`.
public func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(program)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
