import TermflashProtocols

extension QualcommHDLCDevice {
    /// DMSS DLOAD: the boot ROM takes a programmer in WRITE32 blocks and starts it on GO.
    func handleDLoad(_ payload: [UInt8]) -> [[UInt8]] {
        let packet: DLoadPacket
        do { packet = try DLoadPacket.parse(payload) } catch { return [DLoadPacket.nak(.earlyEnd).payload] }
        switch packet {
        case .nop: return [DLoadPacket.ack.payload]
        case .parameterRequest:
            let parameters = DLoadParameters(version: 8, minimumVersion: 1, maxWriteSize: UInt16(DLoadPacket.write32BlockSize),
                                             model: 0x90, deviceSize: 0, deviceType: 0)
            return [DLoadPacket.parameters(parameters).payload]
        case let .write32(address, data):
            return [acceptWrite32(address: address, data: data).payload]
        case let .go(address):
            guard !record.programmer.isEmpty, address == record.programmerAddress else {
                return [DLoadPacket.nak(.badDestination).payload]
            }
            switchMode(.streaming)
            return [DLoadPacket.ack.payload]
        case .reset:
            record.resets += 1
            switchMode(.diag)
            return [DLoadPacket.ack.payload]
        case .versionRequest: return [DLoadPacket.version("PBL_DloadVER2.0").payload]
        default: return [DLoadPacket.nak(.badCommand).payload]
        }
    }

    private func acceptWrite32(address: UInt32, data: [UInt8]) -> DLoadPacket {
        write32Count += 1
        if write32Count == faults.nakWrite32Block { return .nak(faults.nakReason) }
        guard data.count <= 0xFFFF, !data.isEmpty else { return .nak(.badLength) }
        let start = record.programmerAddress ?? address
        guard address == start &+ UInt32(record.programmer.count) else { return .nak(.badDestination) }
        record.programmerAddress = start
        record.programmer += data
        return .ack
    }
}
