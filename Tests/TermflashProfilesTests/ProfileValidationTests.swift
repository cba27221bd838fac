import TermflashCore
import TermflashProfiles
import XCTest

final class ProfileValidationTests: ProfileTestCase {
    private func issues(_ yaml: String, file: String = "zte/sample.yaml") throws -> [ProfileIssue] {
        ProfileLibrary.validate(files: [try write(file, yaml)])
    }

    private func only(_ issues: [ProfileIssue], file: StaticString = #filePath, line: UInt = #line) throws -> ProfileIssue {
        XCTAssertEqual(issues.count, 1, issues.map(\.description).joined(separator: "\n"), file: file, line: line)
        return try XCTUnwrap(issues.first, file: file, line: line)
    }

    func testMinimalProfileIsValid() throws {
        XCTAssertEqual(try issues(Self.minimalProfile), [])
    }

    func testTypoKeyNamesFileFieldLineAndSuggestion() throws {
        let yaml = Self.minimalProfile + """

                interfces:
                  - { number: 0, role: diag }
            """
        let issue = try only(issues(yaml))
        XCTAssertTrue(issue.file.hasSuffix("zte/sample.yaml"))
        XCTAssertEqual(issue.field, "identities[1].interfces")
        XCTAssertEqual(issue.line, 12)
        XCTAssertTrue(issue.message.contains("did you mean 'interfaces'?"), issue.message)
        XCTAssertTrue(issue.description.hasSuffix("zte/sample.yaml:12: identities[1].interfces: unknown field; did you mean 'interfaces'?"),
                      issue.description)
    }

    func testWrongTypeNamesTheFieldPath() throws {
        let yaml = Self.minimalProfile + """

            storage:
              type: nand
              partitions:
                - { name: boot, offset: "zero", size: 0x40000 }
            """
        let issue = try only(issues(yaml))
        XCTAssertEqual(issue.field, "storage.partitions[0].offset")
        XCTAssertEqual(issue.line, 15)
        XCTAssertTrue(issue.message.contains("expected an integer"), issue.message)
    }

    func testAllIssuesOfAFileAreReported() throws {
        let yaml = """
            schemaVersion: 2
            id: Bad_Id
            vendor: ZTE
            kind: dongle
            protocolFamily: qualcomm-hdlc
            """
        let fields = try issues(yaml).map(\.field)
        XCTAssertEqual(fields, ["schemaVersion", "model", "id", "kind"], "sorted by line; a missing field is on its mapping's line")
    }

    func testOverlappingPartitionsAreNamed() throws {
        let yaml = Self.minimalProfile + """

            storage:
              type: spi-nor
              sizeBytes: 0x100000
              partitions:
                - { name: sbl, offset: 0x0, size: 0x40000 }
                - { name: mibib, offset: 0x30000, size: 0x20000 }
                - { name: tail, offset: 0xf0000, size: 0x20000 }
            """
        let found = try issues(yaml)
        XCTAssertEqual(found.count, 2, found.map(\.description).joined(separator: "\n"))
        let overlap = try XCTUnwrap(found.first { $0.message.contains("overlaps") })
        XCTAssertEqual(overlap.field, "storage.partitions[1].offset")
        XCTAssertTrue(overlap.message.contains("'mibib'") && overlap.message.contains("'sbl'"), overlap.message)
        let tooLong = try XCTUnwrap(found.first { $0.message.contains("past the end") })
        XCTAssertEqual(tooLong.field, "storage.partitions[2].size")
    }

    func testNestedPartitionsStayInsideTheirParent() throws {
        let yaml = Self.minimalProfile + """

            storage:
              type: nand
              partitions:
                - name: outer
                  offset: 0x0
                  size: 0x10000
                  partitions:
                    - { name: inner, offset: 0x8000, size: 0x10000 }
                - { name: inner, offset: 0x10000, size: 0x10000 }
            """
        let found = try issues(yaml)
        XCTAssertEqual(found.map(\.field), ["storage.partitions[0].partitions[0].size", "storage.partitions[1].name"])
    }

    func testIMEIIsNeverAllowedToBeWritten() throws {
        let issue = try only(issues(Self.minimalProfile + "\nnvWriteAllowList: [550]"))
        XCTAssertEqual(issue.field, "nvWriteAllowList[0]")
        XCTAssertTrue(issue.message.contains("IMEI"), issue.message)
        XCTAssertTrue(issue.message.contains("never writes identity calibration"), issue.message)
        XCTAssertEqual(try issues(Self.minimalProfile + "\nnvWriteAllowList: [10, 0x1c]"), [])
    }

    func testDuplicateIDsNameBothFiles() throws {
        let first = try write("zte/a.yaml", Self.minimalProfile)
        let second = try write("zte/b.yaml", Self.minimalProfile)
        let issue = try only(ProfileLibrary.validate(directory: directory))
        XCTAssertEqual(issue.file, second)
        XCTAssertEqual(issue.line, 2)
        XCTAssertTrue(issue.message.contains(first), issue.message)
        XCTAssertThrowsError(try ProfileLibrary.load(directory: directory)) { error in
            XCTAssertEqual((error as? ProfileError)?.exitStatus, .invalidProfile)
            XCTAssertTrue("\(error)".contains("a.yaml") && "\(error)".contains("b.yaml"))
        }
    }

    func testModeSwitchMustExpectOneOfTheIdentities() throws {
        let yaml = Self.minimalProfile + """

            modeSwitches:
              - from: storage
                to: diag
                method: usb-modeswitch
                message: "55534243123456702000000080000c85010101180101010101000000000000"
                expect: "19d2:9999"
            """
        let issue = try only(issues(yaml))
        XCTAssertEqual(issue.field, "modeSwitches[0].expect")
        XCTAssertEqual(issue.line, 17)
        XCTAssertTrue(issue.message.contains("19d2:9999 is not one of this profile's identities"), issue.message)
    }

    func testModeSwitchMethodNeedsItsField() throws {
        let yaml = Self.minimalProfile + """

            modeSwitches:
              - { from: storage, to: diag, method: at-command, opcode: 0x3A, expect: "19d2:0016" }
            """
        let messages = try issues(yaml).map(\.description)
        XCTAssertEqual(messages.count, 2, messages.joined(separator: "\n"))
        XCTAssertTrue(messages[0].contains("modeSwitches[0]: method 'at-command' needs command"), messages[0])
        XCTAssertTrue(messages[1].contains("modeSwitches[0].opcode: not used by method 'at-command'"), messages[1])
    }

    func testBadRegularExpressionAndYAMLSyntaxAreReported() throws {
        let variant = Self.minimalProfile + """

            variants:
              - { id: telstra, carrier: Telstra, region: AU, firmwarePattern: "MF823_(TEL" }
            """
        XCTAssertEqual(try only(issues(variant)).field, "variants[0].firmwarePattern")
        let broken = try only(issues("id: [unclosed\nvendor: ZTE\n", file: "broken.yaml"))
        XCTAssertNotNil(broken.line)
        XCTAssertTrue(broken.message.contains("YAML syntax error"), broken.message)
    }
}
