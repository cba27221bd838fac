import ArgumentParser
import Foundation
import TermflashCore

/// Runs `body`; an error a user can act on is printed with its advice and ends the process
/// with the error's documented exit code.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ActionableError {
        printError(error.description, advice: error.advice)
        throw ExitCode(error.exitStatus.rawValue)
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("\(error)", advice: nil)
        throw ExitCode(ExitStatus.failure.rawValue)
    }
}

/// Writes `termflash: error: …` and an optional `hint: …` line to standard error.
func printError(_ message: String, advice: String?) {
    var text = "termflash: error: \(message)\n"
    if let advice { text += "hint: \(advice)\n" }
    FileHandle.standardError.write(Data(text.utf8))
}

/// Pretty, stable JSON for `--json` output.
func printJSON<T: Encodable>(_ value: T) throws {
    print(String(decoding: try JSONEncoder.termflash.encode(value), as: UTF8.self))
}
