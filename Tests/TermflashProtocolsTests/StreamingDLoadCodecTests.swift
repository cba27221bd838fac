import Foundation
import TermflashCore
import TestSupport
@testable import TermflashProtocols
import XCTest

/// Streaming DLOAD packets and the MIBIB partition table (PROTOCOLS.md B3).
final class StreamingDLoadCodecTests: XCTestCase {
    func testHelloCarriesTheMagicVersionAndFeatureBits() throws {
        let hello = StreamingDLoadPacket.hello(StreamingHello(version: 8, compatibleVersion: 2, featureBits: 0x09))
        let bytes = hello.payload
        XCTAssertEqual(bytes.first, 0x01)
        XCTAssertEqual(String(decoding: bytes[1..<33], as: UTF8.self), "QCOM fast download protocol host")
        XCTAssertEqual(Array(bytes[33...]), [8, 2, 0x09])
        XCTAssertEqual(try StreamingDLoadPacket.parse(bytes), hello)
    }

    func testHelloReplyReportsWindowBlockSizeAndSectors() throws {
        let reply = StreamingHelloReply(maxPreferredBlockSize: 1024, flashID: "NAND 256MiB", windowSize: 8,
                                        sectorSizes: [131_072, 131_072])
        let decoded = try StreamingDLoadPacket.parse(StreamingDLoadPacket.helloReply(reply).payload)
        XCTAssertEqual(decoded, .helloReply(reply))
        var wrongMagic = StreamingDLoadPacket.helloReply(reply).payload
        wrongMagic[1] = UInt8(ascii: "X")
        XCTAssertThrowsError(try StreamingDLoadPacket.parse(wrongMagic)) { XCTAssertTrue("\($0)".contains("magic"), "\($0)") }
    }

    func testPacketsRoundTrip() throws {
        let packets: [StreamingDLoadPacket] = [
            .securityMode(1), .securityModeReply, .partitionTable(override: true, table: [1, 2, 3]), .partitionTableReply(status: 1),
            .openMultiImage(type: 0x0E, payload: Array("0:APPS".utf8)), .openMultiImageReply(status: 0),
            .streamWrite(address: 0x2000, data: [0x7E, 0x7D, 0]), .streamWriteReply(address: 0x2000), .close, .closeReply,
            .reset, .resetReply, .nop(identifier: 0xDEAD_BEEF), .nopReply(identifier: 0xDEAD_BEEF), .read(address: 0x800, length: 512),
            .readReply(address: 0x800, data: [1]), .error(.outOfSequence, text: "write before open"), .log("erasing block 12"),
        ]
        for packet in packets { XCTAssertEqual(try StreamingDLoadPacket.parse(packet.payload), packet, packet.name) }
        XCTAssertEqual(StreamingDLoadPacket.streamWrite(address: 0x0102_0304, data: []).payload, [0x07, 0x04, 0x03, 0x02, 0x01])
    }

    func testErrorPacketNamesTheCodeInWords() throws {
        let packet = try StreamingDLoadPacket.parse(StreamingDLoadPacket.error(.outOfSpace, text: "no room").payload)
        guard case let .error(code, text) = packet else { return XCTFail("error packet") }
        XCTAssertEqual(code.meaning, "out of space")
        XCTAssertEqual(text, "no room")
    }

    func testEveryRealPartitionTableDecodesToTheCSV() throws {
        let folder = Fixtures.repositoryRoot + "/Tests/Fixtures/nand-partition-tables"
        let csv = try String(contentsOfFile: folder + "/mibib_partitions_decoded.csv", encoding: .utf8)
        var expected: [String: [[String]]] = [:]
        for line in csv.split(whereSeparator: \.isNewline).dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            expected[fields[0], default: []].append(fields)
        }
        XCTAssertEqual(expected.count, 6)
        for (file, rows) in expected {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file)))
            let table = try MIBIBPartitionTable(bytes)
            XCTAssertEqual(table.entries.count, rows.count, file)
            XCTAssertEqual(table.form, file.hasSuffix("-r.bin") ? .read : .write, file)
            for (entry, row) in zip(table.entries, rows) {
                XCTAssertEqual(String(format: "0x%08x", table.form.magic.0), row[1], file)
                XCTAssertEqual(String(table.version), row[3], file)
                XCTAssertEqual(entry.name, row[6], file)
                XCTAssertEqual(String(entry.offsetBlocks), row[7], "\(file) \(entry.name)")
                XCTAssertEqual(entry.lengthBlocks == .max ? "0xffffffff" : String(entry.lengthBlocks), row[8], "\(file) \(entry.name)")
                XCTAssertEqual(entry.attributes.map { String(format: "%02x", $0) }.joined(), row[9], "\(file) \(entry.name)")
            }
            XCTAssertEqual(Array(table.bytes), Array(bytes.prefix(table.bytes.count)), "\(file) encodes back to its bytes")
        }
    }

    func testDamagedTablesThrowNamingTheField() throws {
        XCTAssertThrowsError(try MIBIBPartitionTable([UInt8](repeating: 0, count: 64))) {
            XCTAssertTrue("\($0)".contains("magic"), "\($0)")
        }
        var table = MIBIBPartitionTable(form: .read, entries: [.init(name: "0:APPS", offsetBlocks: 1, lengthBlocks: 2)]).bytes
        table[12] = 200
        XCTAssertThrowsError(try MIBIBPartitionTable(table)) { XCTAssertTrue("\($0)".contains("200 partitions"), "\($0)") }
    }

    func testRegionsGrowTheLastPartitionToTheEnd() {
        let table = MIBIBPartitionTable(form: .read, entries: [
            .init(name: "0:SBL", offsetBlocks: 0, lengthBlocks: 2), .init(name: "0:EFS2", offsetBlocks: 2, lengthBlocks: .max),
        ])
        let regions = table.regions(blockSize: 131_072, chipBytes: 1 << 20)
        XCTAssertEqual(regions.map(\.partition), ["SBL", "EFS2"])
        XCTAssertEqual(regions[1].offset, 262_144)
        XCTAssertEqual(regions[1].length, (1 << 20) - 262_144)
    }
}
