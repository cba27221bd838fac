import TermflashCore
import TermflashCrypto
import TermflashProtocols

extension EDLDevice {
    /// The boot ROM: HELLO, then image transfer (ELF parsed as a boot ROM does) or command mode,
    /// until every image is in; or the memory-debug table for a crashed unit.
    func runSahara() throws {
        if behaviour.faults.swallowFirstHello {
            event("sahara: first HELLO lost")
        } else {
            try sendHello()
        }
        var images = behaviour.imageIDs[...]
        while let packet = try receiveSahara() {
            switch packet {
            case let .helloResponse(_, _, _, mode):
                if behaviour.helloMode == .memoryDebug {
                    try send(.memoryDebug(tableAddress: 0x146B_F000, tableLength: 0x48))
                    continue
                }
                if mode == .command {
                    try send(.commandReady)
                    continue
                }
                guard let image = images.first else { return }
                let status = try transfer(image: image)
                try send(.endOfImage(imageID: image, status: status))
            case let .execute(command):
                try executeClient(command)
            case let .executeData(command):
                try transport.write(clientData(command) ?? [], deadline: .after(seconds: 5))
            case .switchMode:
                try sendHello()
            case .done:
                images = images.dropFirst()
                try send(.doneResponse(imageTransferStatus: images.isEmpty ? 1 : 0))
                if images.isEmpty {
                    event("sahara: programmer running")
                    return
                }
                try sendHello()
            case .resetStateMachine, .reset:
                try sendHello()
            default:
                try send(.endOfImage(imageID: images.first ?? 0, status: 0x01))
            }
        }
        throw EDLDeviceStop.hostLeft(afterBytes: record.programBytes)
    }

    private func sendHello() throws {
        try send(.hello(version: behaviour.saharaVersion, compatible: 1, maxCommandLength: 0x400, mode: behaviour.helloMode))
    }

    func send(_ packet: SaharaPacket) throws {
        try transport.write(packet.encoded(), deadline: .after(seconds: 5))
    }

    /// The next packet, `nil` when the host went away.
    private func receiveSahara() throws -> SaharaPacket? {
        while true {
            if let packet = try saharaDecoder.next() { return packet }
            do {
                saharaDecoder.feed(try transport.read(maxLength: 4096, deadline: .never))
            } catch {
                return nil
            }
        }
    }

    /// Pulls one image: the ELF header, the program headers, then each loadable segment.
    /// Returns the END_OF_IMAGE status.
    private func transfer(image: UInt32) throws -> UInt32 {
        update { $0.programmer[image] = [] }
        let ident = try pull(image: image, offset: 0, length: 52)
        guard ident.starts(with: [0x7F, 0x45, 0x4C, 0x46]) else { return 0x13 }
        let is64 = ident[4] == 2
        var header = ident
        if is64 { header += try pull(image: image, offset: 52, length: 12) }
        var reader = ByteReader(header, offset: is64 ? 32 : 28)
        let phoff = is64 ? try reader.read(UInt64.self, endianness: .little) : UInt64(try reader.read(UInt32.self, endianness: .little))
        reader = ByteReader(header, offset: is64 ? 54 : 42)
        let entrySize = Int(try reader.read(UInt16.self, endianness: .little))
        let count = Int(try reader.read(UInt16.self, endianness: .little))
        guard entrySize >= (is64 ? 56 : 32), count > 0, count < 64 else { return 0x0E }
        let table = try pull(image: image, offset: phoff, length: UInt64(entrySize * count))
        for index in 0..<count {
            var entry = ByteReader(table, offset: index * entrySize)
            let type = try entry.read(UInt32.self, endianness: .little)
            let offset: UInt64, size: UInt64
            if is64 {
                try entry.skip(4)
                offset = try entry.read(UInt64.self, endianness: .little)
                try entry.skip(16)
                size = try entry.read(UInt64.self, endianness: .little)
            } else {
                offset = UInt64(try entry.read(UInt32.self, endianness: .little))
                try entry.skip(8)
                size = UInt64(try entry.read(UInt32.self, endianness: .little))
            }
            guard type == 1, size > 0 else { continue }
            var done: UInt64 = 0
            while done < size {
                let length = min(UInt64(behaviour.readChunk), size - done)
                _ = try pull(image: image, offset: offset + done, length: length)
                done += length
            }
        }
        if let required = behaviour.requiredProgrammerSHA256, SHA256.hash(record.programmer[image] ?? []) != required {
            event("sahara: programmer signature check failed")
            return 0x24
        }
        event("sahara: image \(image) received (\(record.programmer[image]?.count ?? 0) bytes)")
        return 0
    }

    /// Asks for one range and stores it at its offset in the received image.
    private func pull(image: UInt32, offset: UInt64, length: UInt64) throws -> [UInt8] {
        if behaviour.saharaVersion >= 3 {
            try send(.readData64(imageID: UInt64(image), offset: offset, length: length))
        } else {
            try send(.readData(imageID: image, offset: UInt32(offset), length: UInt32(length)))
        }
        var bytes = saharaDecoder.takeRaw(min(saharaDecoder.buffered, Int(length))) ?? []
        while bytes.count < Int(length) {
            bytes += try transport.read(maxLength: Int(length) - bytes.count, deadline: .after(seconds: 10))
        }
        update { record in
            record.requests.append((image, offset, length))
            var received = record.programmer[image] ?? []
            let end = Int(offset + length)
            if received.count < end { received += [UInt8](repeating: 0, count: end - received.count) }
            received.replaceSubrange(Int(offset)..<end, with: bytes)
            record.programmer[image] = received
        }
        return bytes
    }

    private func executeClient(_ command: SaharaClientCommand) throws {
        update { $0.clientCommands.append(command.rawValue) }
        guard let data = clientData(command) else {
            try send(.endOfImage(imageID: 0, status: 0x1F))
            return
        }
        try send(.executeResponse(command, dataLength: UInt32(data.count)))
    }

    private func clientData(_ command: SaharaClientCommand) -> [UInt8]? {
        var writer = ByteWriter()
        switch command {
        case .serialNumber: writer.write(behaviour.serialNumber, endianness: .little)
        case .msmHardwareID: writer.write(behaviour.msmHardwareID, endianness: .little)
        case .oemPublicKeyHash: writer.write(behaviour.oemPublicKeyHash)
        case .sblVersion: writer.write(behaviour.sblVersion, endianness: .little)
        case .chipIDv3:
            guard let chip = behaviour.chipID else { return nil }
            writer.write(chip)
        default: return nil
        }
        return writer.bytes
    }
}
