import TermflashCore
import TermflashProtocols
import Dispatch
import XCTest

/// AT replies as ZTE firmware sends them.
final class ATTests: XCTestCase {
    /// The MF823 (Telstra) answer quoted on the ArchWiki page, with the modem's echo.
    private let reply = Array("AT+ZCDRUN=8+AT+ZCDRUN=F\r\r\nexit download mode result(0:FAIL 1:SUCCESS):1\r\n\r\nOK\r\n".utf8)

    func testEchoIsDroppedAndFinalResultSeparated() {
        var parser = ATResponseParser(command: "AT+ZCDRUN=8+AT+ZCDRUN=F")
        parser.feed(reply)
        XCTAssertEqual(parser.response(), ATResponse(lines: ["exit download mode result(0:FAIL 1:SUCCESS):1"], final: "OK"))
    }

    func testSameAnswerWhateverTheChunking() {
        for split in 1..<reply.count {
            var parser = ATResponseParser(command: "AT+ZCDRUN=8+AT+ZCDRUN=F")
            parser.feed(Array(reply[..<split]))
            let early = parser.response()
            parser.feed(Array(reply[split...]))
            let answer = early ?? parser.response()
            XCTAssertEqual(answer?.final, "OK", "split at \(split)")
            XCTAssertEqual(answer?.lines.count, 1, "split at \(split)")
        }
    }

    func testErrorsAreFinalResults() {
        var parser = ATResponseParser(command: "AT+ZFLAG?")
        parser.feed(Array("\r\n+CME ERROR: 10\r\n".utf8))
        let response = parser.response()
        XCTAssertEqual(response?.final, "+CME ERROR: 10")
        XCTAssertEqual(response?.isOK, false)
        var incomplete = ATResponseParser(command: "ATI")
        incomplete.feed(Array("\r\nManufacturer: ZTE\r\n".utf8))
        XCTAssertNil(incomplete.response(), "no final result code yet")
    }

    func testSessionOverAnInMemoryModem() throws {
        let (host, modem) = InMemoryTransport.pair()
        DispatchQueue.global().async {
            var line: [UInt8] = []
            while !line.contains(0x0D) { line += (try? modem.read(maxLength: 64, deadline: .after(seconds: 5))) ?? [0x0D] }
            try? modem.write(Array("\r\n+ZFLAG: \"BOOT\",0,\"MUTI_AMT\",0\r\n\r\nOK\r\n".utf8), deadline: .never)
        }
        let response = try ATSession(transport: host, timeoutSeconds: 5).run("AT+ZFLAG?")
        XCTAssertEqual(response, ATResponse(lines: ["+ZFLAG: \"BOOT\",0,\"MUTI_AMT\",0"], final: "OK"))
    }

    func testSilentPortTimesOutNamingTheCommand() {
        let (host, _) = InMemoryTransport.pair()
        XCTAssertThrowsError(try ATSession(transport: host, timeoutSeconds: 0.2).run("ATI")) { error in
            XCTAssertTrue("\(error)".hasPrefix("ATI: timed out"), "\(error)")
            XCTAssertEqual((error as? ATError)?.exitStatus, .timedOut)
        }
    }
}
