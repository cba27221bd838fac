import TermflashCrypto
import XCTest

final class Ed25519Tests: XCTestCase {
    /// RFC 8032 section 7.1, test 2: a one-byte message.
    func testRFC8032VectorSignsAndVerifies() throws {
        let seed = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
        let key = try Ed25519.PrivateKey(rawBytes: seed)
        XCTAssertEqual(key.publicKey.rawBytes, hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"))
        let signature = try key.signature(for: [0x72])
        XCTAssertEqual(signature, hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"))
        XCTAssertTrue(key.publicKey.isValidSignature(signature, for: [0x72]))
        XCTAssertFalse(key.publicKey.isValidSignature(signature, for: [0x73]))
    }

    func testEveryFlippedSignatureBitIsRejected() throws {
        let key = try Ed25519.PrivateKey()
        let message = Array("manifest".utf8)
        let signature = try key.signature(for: message)
        for bit in 0..<(signature.count * 8) {
            var damaged = signature
            damaged[bit / 8] ^= 1 << UInt8(bit % 8)
            XCTAssertFalse(key.publicKey.isValidSignature(damaged, for: message), "bit \(bit)")
        }
        XCTAssertFalse(key.publicKey.isValidSignature(Array(signature.dropLast()), for: message))
    }

    func testPEMRoundTripsAndOpenSSLReadsIt() throws {
        let key = try Ed25519.PrivateKey()
        let privatePEM = try key.pem()
        XCTAssertTrue(privatePEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        XCTAssertEqual(try Ed25519.PrivateKey(pem: Array(privatePEM.utf8)).rawBytes, key.rawBytes)
        let publicPEM = try key.publicKey.pem()
        XCTAssertTrue(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        XCTAssertEqual(try Ed25519.PublicKey(pem: Array(publicPEM.utf8)), key.publicKey)
        XCTAssertEqual(key.publicKey.fingerprint.count, 16)
    }

    func testGarbageAndOtherAlgorithmsAreRefusedWithAReason() {
        XCTAssertThrowsError(try Ed25519.PublicKey(pem: Array("not a key".utf8))) { error in
            XCTAssertTrue("\(error)".contains("PEM public key"), "\(error)")
        }
        XCTAssertThrowsError(try Ed25519.PublicKey(rawBytes: [1, 2, 3])) { error in
            XCTAssertTrue("\(error)".contains("3 bytes, expected 32"), "\(error)")
        }
    }

    private func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}
