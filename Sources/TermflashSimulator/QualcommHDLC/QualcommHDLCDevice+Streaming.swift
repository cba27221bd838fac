import TermflashCore
import TermflashProtocols

extension QualcommHDLCDevice {
    /// Streaming DLOAD, as the NAND programmer speaks it.
    func handleStreaming(_ payload: [UInt8]) -> [[UInt8]] {
        let packet: StreamingDLoadPacket
        do { packet = try StreamingDLoadPacket.parse(payload) } catch {
            return [StreamingDLoadPacket.error(.badLength, text: "\(error)").payload]
        }
        switch packet {
        case .hello: return [StreamingDLoadPacket.helloReply(helloReply).payload]
        case let .securityMode(mode):
            guard mode <= 1 else { return [error(.badSecurityMode, "security mode \(mode)")] }
            securityModeSet = true
            return [StreamingDLoadPacket.securityModeReply.payload]
        case let .partitionTable(override, table): return [partitionTableReply(table, override: override)]
        case let .openMultiImage(type, name): return openImage(type: type, payload: name)
        case let .streamWrite(address, data): return streamWrite(address: address, data: data)
        case let .read(address, length): return [read(address: address, length: Int(length))]
        case .close:
            guard let region = openImage else { return [error(.outOfSequence, "close without an open image")] }
            record.imagesClosed.append(region.partition ?? "?")
            openImage = nil
            return [StreamingDLoadPacket.closeReply.payload]
        case let .nop(identifier): return [StreamingDLoadPacket.nopReply(identifier: identifier).payload]
        case .reset:
            record.resets += 1
            switchMode(.diag)
            return [StreamingDLoadPacket.resetReply.payload]
        case .powerOff:
            switchMode(.gone)
            return [StreamingDLoadPacket.powerOffReply.payload]
        default:
            return [error(.badCommand, "command 0x\(byteHex(packet.code)) is not supported")]
        }
    }

    var helloReply: StreamingHelloReply {
        let blocks = Int(store.units[0].size) / blockSize
        return StreamingHelloReply(maxPreferredBlockSize: maxBlockSize, flashID: "simulated NAND \(store.units[0].size >> 20) MiB",
                                   windowSize: windowSize, sectorSizes: [UInt32](repeating: UInt32(blockSize), count: blocks))
    }

    private func error(_ code: StreamingDLoadErrorCode, _ text: String) -> [UInt8] {
        StreamingDLoadPacket.error(code, text: text).payload
    }

    private func partitionTableReply(_ table: [UInt8], override: Bool) -> [UInt8] {
        guard (try? MIBIBPartitionTable(table)) != nil else { return StreamingDLoadPacket.partitionTableReply(status: 2).payload }
        record.partitionTablesReceived.append(table)
        if table == writeFormTable { return StreamingDLoadPacket.partitionTableReply(status: 0).payload }
        guard override else { return StreamingDLoadPacket.partitionTableReply(status: 1).payload }
        writeFormTable = table
        return StreamingDLoadPacket.partitionTableReply(status: 0).payload
    }

    private func openImage(type: UInt8, payload: [UInt8]) -> [[UInt8]] {
        guard securityModeSet else { return [error(.outOfSequence, "open before security mode")] }
        guard openImage == nil else { return [error(.outOfSequence, "an image is already open")] }
        guard type == StreamingDLoadPacket.ImageType.custom else {
            return [StreamingDLoadPacket.openMultiImageReply(status: payload.isEmpty ? 0 : 2).payload]
        }
        guard !payload.isEmpty else { return [StreamingDLoadPacket.openMultiImageReply(status: 3).payload] }
        let name = String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
        let regions = partitionTable.regions(blockSize: UInt64(blockSize), chipBytes: store.units[0].size)
        guard let region = regions.first(where: { "0:" + ($0.partition ?? "") == name || $0.partition == name }) else {
            return [error(.badDestination, "no partition \(name) in MIBIB")]
        }
        if partitionTable.entries.first(where: { $0.shortName == region.partition })?.attributes.first == 0x00 {
            return [StreamingDLoadPacket.openMultiImageReply(status: 4).payload]
        }
        openImage = region
        record.imagesOpened.append(region.partition ?? name)
        return [StreamingDLoadPacket.log("open \(name) at block \(region.offset / UInt64(blockSize))").payload,
                StreamingDLoadPacket.openMultiImageReply(status: 0).payload]
    }

    private func streamWrite(address: UInt32, data: [UInt8]) -> [[UInt8]] {
        streamWriteCount += 1
        if streamWriteCount == faults.errorAtStreamWrite { return [error(.verifyFailed, "injected write failure")] }
        guard let region = openImage else { return [error(.outOfSequence, "stream write without an open image")] }
        guard UInt64(address) + UInt64(data.count) <= region.length else {
            return [error(.outOfSpace, "write of \(data.count) bytes at 0x\(String(address, radix: 16)) passes the end of \(region)")]
        }
        if let limit = faults.resetAfterStreamedBytes, record.streamedBytes + UInt64(data.count) > limit {
            switchMode(.gone)
            return []
        }
        do {
            let offset = region.offset + UInt64(address)
            try eraseBlocks(from: offset, count: UInt64(data.count))
            try store.write(lun: 0, offset: offset, bytes: data)
        } catch {
            return [self.error(.failed, "\(error)")]
        }
        record.streamedBytes += UInt64(data.count)
        return [StreamingDLoadPacket.streamWriteReply(address: address).payload]
    }

    /// Erases (to 0xFF) each block the first time a write touches it, as NAND needs.
    private func eraseBlocks(from offset: UInt64, count: UInt64) throws {
        guard count > 0 else { return }
        let block = UInt64(blockSize)
        for index in (offset / block)...((offset + count - 1) / block) where !erasedBlocks.contains(index) {
            try store.erase(lun: 0, offset: index * block, length: block)
            erasedBlocks.insert(index)
        }
    }

    private func read(address: UInt32, length: Int) -> [UInt8] {
        do {
            return StreamingDLoadPacket.readReply(address: address, data: try store.read(lun: 0, offset: UInt64(address), length: length)).payload
        } catch {
            return self.error(.badDestination, "read of \(length) bytes at 0x\(String(address, radix: 16)): \(error)")
        }
    }
}
