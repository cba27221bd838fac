/// A USB vendor and product id pair, written `19d2:0016`.
public struct USBIdentity: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let vendorID: UInt16
    public let productID: UInt16

    public init(vendorID: UInt16, productID: UInt16) {
        self.vendorID = vendorID
        self.productID = productID
    }

    /// Parses `19d2:0016` (hex, case-insensitive); `nil` when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let vendor = UInt16(hex: parts[0]), let product = UInt16(hex: parts[1]) else {
            return nil
        }
        self.init(vendorID: vendor, productID: product)
    }

    public var description: String { "\(vendorID.hex4):\(productID.hex4)" }

    public static func < (lhs: USBIdentity, rhs: USBIdentity) -> Bool {
        (lhs.vendorID, lhs.productID) < (rhs.vendorID, rhs.productID)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let identity = USBIdentity(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "'\(text)' is not a USB identity like 19d2:0016"))
        }
        self = identity
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What a USB device is doing right now, as far as flashing is concerned.
public enum DeviceMode: String, CaseIterable, Sendable, Codable {
    /// Mass storage / CD-ROM with the vendor's installer; needs a mode switch.
    case storage
    /// Normal operation: network and AT ports.
    case modem
    /// A diagnostics port (Qualcomm DIAG) is exposed.
    case diag
    /// A download mode: Qualcomm EDL/DLOAD, ZTE download, boot ROM.
    case download
    /// Not known.
    case unknown
}

extension UInt16 {
    /// Parses 1 to 4 hex digits, with or without `0x`.
    public init?<S: StringProtocol>(hex text: S) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard (1...4).contains(digits.count), let value = UInt16(digits, radix: 16) else { return nil }
        self = value
    }

    /// Four lower-case hex digits.
    public var hex4: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
