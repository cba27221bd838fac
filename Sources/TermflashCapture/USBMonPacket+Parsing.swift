import TermflashCore

extension USBMonPacket {
    /// Parses one usbmon record: `headerLength` 64 for LINKTYPE_USB_LINUX_MMAPPED (220),
    /// 48 for LINKTYPE_USB_LINUX (189). Host byte order is little-endian on every Linux
    /// machine that captures USB (Documentation/usb/usbmon.rst, "Raw binary format").
    init(usbmon bytes: ArraySlice<UInt8>, headerLength: Int) throws(USBRecordError) {
        guard bytes.count >= headerLength else { throw .tooShort(have: bytes.count, need: headerLength) }
        var reader = ByteReader(Array(bytes.prefix(headerLength)))
        do {
            urbID = try reader.read(UInt64.self, endianness: .little)
            let kindByte = try reader.readByte()
            guard let kind = Kind(rawValue: kindByte) else { throw USBRecordError.badField("event type 0x\(byteHex(kindByte))") }
            self.kind = kind
            transferType = TransferType(rawValue: try reader.readByte() & 0x03) ?? .bulk
            endpoint = try reader.readByte()
            device = try reader.readByte()
            bus = try reader.read(UInt16.self, endianness: .little)
            let setupFlag = try reader.readByte()
            _ = try reader.readByte()
            seconds = Int64(bitPattern: try reader.read(UInt64.self, endianness: .little))
            microseconds = Int32(bitPattern: try reader.read(UInt32.self, endianness: .little))
            status = Int32(bitPattern: try reader.read(UInt32.self, endianness: .little))
            length = try reader.read(UInt32.self, endianness: .little)
            let captured = Int(try reader.read(UInt32.self, endianness: .little))
            let setupBytes = try reader.read(count: 8)
            setup = setupFlag == 0 ? setupBytes : nil
            let dataStart = bytes.startIndex + headerLength
            let available = bytes.endIndex - dataStart
            data = Array(bytes[dataStart..<(dataStart + min(captured, available))])
        } catch let error as USBRecordError {
            throw error
        } catch {
            throw .tooShort(have: bytes.count, need: headerLength)
        }
    }

    /// Parses a USBPcap record (LINKTYPE_USBPCAP, 249; USBPCAP_BUFFER_PACKET_HEADER, packed,
    /// little-endian) into the usbmon model: bit 0 of `info` set means a completion.
    init(usbpcap bytes: ArraySlice<UInt8>) throws(USBRecordError) {
        guard bytes.count >= 27 else { throw .tooShort(have: bytes.count, need: 27) }
        var reader = ByteReader(Array(bytes.prefix(27)))
        do {
            let headerLength = Int(try reader.read(UInt16.self, endianness: .little))
            urbID = try reader.read(UInt64.self, endianness: .little)
            let usbdStatus = try reader.read(UInt32.self, endianness: .little)
            _ = try reader.read(UInt16.self, endianness: .little)  // URB function
            let info = try reader.readByte()
            bus = try reader.read(UInt16.self, endianness: .little)
            device = UInt8(truncatingIfNeeded: try reader.read(UInt16.self, endianness: .little))
            endpoint = try reader.readByte()
            transferType = TransferType(rawValue: try reader.readByte() & 0x03) ?? .bulk
            length = try reader.read(UInt32.self, endianness: .little)
            guard headerLength >= 27, headerLength <= bytes.count else {
                throw USBRecordError.badField("header length \(headerLength) of a \(bytes.count)-byte record")
            }
            kind = info & 1 != 0 ? .complete : .submit
            status = usbdStatus == 0 ? 0 : -5
            seconds = 0
            microseconds = 0
            let body = Array(bytes[(bytes.startIndex + headerLength)...])
            if transferType == .control, kind == .submit, body.count >= 8, headerLength >= 28,
               bytes[bytes.startIndex + 27] == 0 {
                setup = Array(body.prefix(8))
                data = Array(body.dropFirst(8))
            } else {
                setup = nil
                data = body
            }
        } catch let error as USBRecordError {
            throw error
        } catch {
            throw .tooShort(have: bytes.count, need: 27)
        }
    }
}

/// Why a USB record could not be parsed (wrapped with the record number by the caller).
enum USBRecordError: Error {
    case tooShort(have: Int, need: Int)
    case badField(String)

    var reason: String {
        switch self {
        case let .tooShort(have, need): return "USB record of \(have) bytes is shorter than its \(need)-byte header"
        case let .badField(field): return "USB record has an invalid \(field)"
        }
    }
}
