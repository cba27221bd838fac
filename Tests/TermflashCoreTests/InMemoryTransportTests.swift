import Dispatch
import TermflashCore
import XCTest

/// The Transport contract, checked on the in-memory pair that simulators use.
final class InMemoryTransportTests: XCTestCase {
    func testReadReturnsWhatArrivedUpToMaxLengthAndKeepsTheRest() throws {
        let (host, device) = InMemoryTransport.pair()
        try device.write([1, 2, 3, 4, 5], deadline: .never)
        XCTAssertEqual(try host.read(maxLength: 2, deadline: .after(seconds: 1)), [1, 2])
        XCTAssertEqual(try host.read(maxLength: 10, deadline: .after(seconds: 1)), [3, 4, 5])
    }

    func testTimeoutThrowsWithWhatWasWaitedFor() {
        let (host, _) = InMemoryTransport.pair()
        XCTAssertThrowsError(try host.read(maxLength: 1, deadline: .after(milliseconds: 100))) { error in
            guard case TransportError.timedOut(let operation, let waited, let transferred) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(operation, "data on memory host")
            XCTAssertGreaterThanOrEqual(waited, 90)
            XCTAssertEqual(transferred, 0)
        }
    }

    func testReadExactlyReportsHowMuchArrivedBeforeTheTimeout() throws {
        let (host, device) = InMemoryTransport.pair()
        try device.write([9, 9, 9], deadline: .never)
        XCTAssertThrowsError(try host.read(exactly: 8, deadline: .after(milliseconds: 100))) { error in
            guard case TransportError.timedOut(_, _, let transferred) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(transferred, 3)
        }
    }

    func testAPeerThatClosesIsAVanishedDeviceAfterItsLastBytes() throws {
        let (host, device) = InMemoryTransport.pair()
        try device.write([7], deadline: .never)
        device.close()
        XCTAssertEqual(try host.read(maxLength: 4, deadline: .after(seconds: 1)), [7])
        XCTAssertThrowsError(try host.read(maxLength: 4, deadline: .after(seconds: 1))) { error in
            XCTAssertEqual(error as? TransportError, .deviceVanished(name: "memory host", during: "read"))
        }
        XCTAssertThrowsError(try host.write([1], deadline: .never))
    }

    func testABlockedReaderWakesWhenDataArrives() throws {
        let (host, device) = InMemoryTransport.pair()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { try? device.write([42], deadline: .never) }
        XCTAssertEqual(try host.read(maxLength: 1, deadline: .after(seconds: 5)), [42])
    }
}
