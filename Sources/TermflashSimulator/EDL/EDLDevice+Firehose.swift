import Foundation
import TermflashCore
import TermflashCrypto
import TermflashProtocols

extension EDLDevice {
    /// The programmer: one command document at a time until `power` or the host leaves.
    func runFirehose() throws {
        while true {
            guard let document = try receiveDocument() else { throw EDLDeviceStop.hostLeft(afterBytes: record.programBytes) }
            let elements: [FirehoseElement]
            do {
                elements = try FirehoseXML.elements(in: document)
            } catch {
                try respond(ack: false, log: ["XML parse error: \(error)"])
                continue
            }
            for element in elements where element.name != "data" {
                if try handle(element) { return }
            }
        }
    }

    /// Handles one command; `true` when the programmer stops (power).
    private func handle(_ command: FirehoseElement) throws -> Bool {
        commandCount += 1
        update { $0.commands.append(command.name) }
        event("firehose: \(command)")
        if let nth = behaviour.faults.nakAtCommand, nth == commandCount {
            behaviour.faults.nakAtCommand = nil  // a one-time fault: the next boot works
            try respond(ack: false, log: ["simulated fault: NAK of command \(commandCount) (\(command.name))"])
            return false
        }
        if behaviour.requiresAuthentication, !authenticated, !["nop", "sig"].contains(command.name) {
            try respond(ack: false, log: ["Only nop and sig tag can be recevied before authentication."])
            return false
        }
        guard behaviour.supportedCommands.contains(command.name) else {
            try respond(ack: false, log: ["Unsupported command: \(command.name)"])
            return false
        }
        do {
            switch command.name {
            case "configure": try configure(command)
            case "nop": try respond(ack: true, log: ["Binary build date: Jan 1 2026", "Supported Functions:"]
                                        + behaviour.supportedCommands.sorted() + ["End of supported functions"])
            case "getstorageinfo": try storageInfo(command)
            case "program": try program(command)
            case "read": try read(command)
            case "erase": try erase(command)
            case "patch": try patch(command)
            case "getsha256digest": try digest(command)
            case "setbootablestoragedrive":
                let value = Int(command["value"] ?? "") ?? -1
                guard value >= 0, value < storage.lunCount else { throw FirehoseDeviceError.outOfRange("no LUN \(command["value"] ?? "?")") }
                update { $0.bootableDrive = value }
                try respond(ack: true, log: ["Set bootable drive to \(value)."])
            case "power":
                let value = command["value"] ?? "reset"
                update { $0.power = value }
                try respond(ack: true)
                return true
            default:
                try respond(ack: false, log: ["Unsupported command: \(command.name)"])
            }
        } catch let error as FirehoseDeviceError {
            try respond(ack: false, log: ["ERROR: \(error)"])
        } catch let error as EDLStorageError {
            try respond(ack: false, log: ["ERROR: \(error)"])
        }
        return false
    }

    // MARK: commands

    private func configure(_ command: FirehoseElement) throws {
        let memory = (command["MemoryName"] ?? "emmc").lowercased()
        guard behaviour.memoryNames.contains(memory) else {
            try respond(ack: false, log: ["Not support configure MemoryName \(memory == "emmc" ? "eMMC" : memory)"],
                        attributes: [("MemoryName", behaviour.memoryNames.first ?? "")])
            return
        }
        let asked = Int(command["MaxPayloadSizeToTargetInBytes"] ?? "") ?? behaviour.maxPayloadToTarget
        let offered = min(asked, behaviour.maxPayloadToTarget)
        configured = offered == asked
        try respond(ack: true, attributes: [
            ("MinVersionSupported", "1"), ("MemoryName", memory), ("MaxPayloadSizeFromTargetInBytes", String(behaviour.maxPayloadFromTarget)),
            ("MaxPayloadSizeToTargetInBytes", String(offered)), ("MaxPayloadSizeToTargetInBytesSupported", String(behaviour.maxPayloadToTarget)),
            ("MaxXMLSizeInBytes", "4096"), ("Version", "1"), ("TargetName", "SIM"),
        ])
    }

    private func storageInfo(_ command: FirehoseElement) throws {
        let lun = Int(command["physical_partition_number"] ?? "0") ?? -1
        guard lun >= 0, lun < storage.lunCount else { throw FirehoseDeviceError.outOfRange("no LUN \(lun)") }
        let json = "{\"storage_info\": {\"total_blocks\":\(storage.sectorsPerLUN), \"block_size\":\(storage.sectorSize), "
            + "\"page_size\":\(storage.sectorSize), \"num_physical\":\(storage.lunCount), \"mem_type\":\"\(behaviour.memoryNames.first ?? "emmc")\", "
            + "\"prod_name\":\"\(behaviour.productName)\"}}"
        try respond(ack: true, log: ["INFO: " + json])
    }

    /// LUN, first byte and length of a sector command; throws (→ NAK) when outside the LUN.
    private func range(_ command: FirehoseElement) throws -> (lun: Int, offset: UInt64, length: UInt64) {
        guard let sectorText = command["SECTOR_SIZE_IN_BYTES"], let sectorSize = Int(sectorText) else {
            throw FirehoseDeviceError.missingAttribute("SECTOR_SIZE_IN_BYTES")
        }
        guard sectorSize == storage.sectorSize else {
            throw FirehoseDeviceError.outOfRange("SECTOR_SIZE_IN_BYTES \(sectorSize) but the storage has \(storage.sectorSize)-byte sectors")
        }
        guard let lun = Int(command["physical_partition_number"] ?? ""), lun >= 0, lun < storage.lunCount else {
            throw FirehoseDeviceError.outOfRange("physical_partition_number \(command["physical_partition_number"] ?? "missing") is not a LUN")
        }
        guard let sectors = UInt64(command["num_partition_sectors"] ?? "") else { throw FirehoseDeviceError.missingAttribute("num_partition_sectors") }
        let start = try evaluate(command["start_sector"] ?? "", lun: lun)
        guard start <= storage.sectorsPerLUN, sectors <= storage.sectorsPerLUN - start else {
            throw FirehoseDeviceError.outOfRange("sectors \(start)+\(sectors) pass the end of LUN \(lun) (\(storage.sectorsPerLUN) sectors)")
        }
        return (lun, start * UInt64(sectorSize), sectors * UInt64(sectorSize))
    }

    private func evaluate(_ text: String, lun: Int) throws -> UInt64 {
        guard !text.isEmpty else { throw FirehoseDeviceError.missingAttribute("start_sector") }
        var expression = PatchExpression(text, diskSectors: storage.sectorsPerLUN) { [storage] start, length in
            var crc = CRC32()
            crc.update(try storage.read(lun: lun, offset: start * UInt64(storage.sectorSize), length: Int(length)))
            return UInt64(crc.value)
        }
        return try expression.evaluate()
    }

    private func program(_ command: FirehoseElement) throws {
        let target = try range(command)
        try respond(ack: true, rawMode: true)
        var received: UInt64 = 0
        while received < target.length {
            let wanted = Int(min(target.length - received, UInt64(behaviour.maxPayloadToTarget)))
            var chunk = splitter.takeRaw(upTo: wanted)
            if chunk.isEmpty {
                guard let read = try? transport.read(maxLength: wanted, deadline: .after(seconds: 30)) else {
                    throw EDLDeviceStop.hostLeft(afterBytes: record.programBytes)
                }
                chunk = read[...]
            }
            if let limit = behaviour.faults.disconnectAfterBytes, record.programBytes + UInt64(chunk.count) >= limit {
                let keep = Int(limit - record.programBytes)
                try storage.write(lun: target.lun, offset: target.offset + received, bytes: chunk.prefix(keep))
                update { $0.programBytes = limit }
                transport.close()
                throw EDLDeviceStop.vanished(afterBytes: limit)
            }
            try storage.write(lun: target.lun, offset: target.offset + received, bytes: chunk)
            received += UInt64(chunk.count)
            let count = UInt64(chunk.count)
            update { $0.programBytes += count }
            if behaviour.faults.slowMillisecondsPerChunk > 0 { usleep(UInt32(behaviour.faults.slowMillisecondsPerChunk * 1000)) }
        }
        try respond(ack: true, rawMode: false)
    }

    private func read(_ command: FirehoseElement) throws {
        let source = try range(command)
        try respond(ack: true, rawMode: true)
        if behaviour.zeroLengthPackets { try transport.sendZeroLengthPacket(deadline: .after(seconds: 5)) }
        var sent: UInt64 = 0
        while sent < source.length {
            let length = Int(min(source.length - sent, UInt64(behaviour.maxPayloadFromTarget)))
            try transport.write(try storage.read(lun: source.lun, offset: source.offset + sent, length: length), deadline: .after(seconds: 30))
            sent += UInt64(length)
        }
        try respond(ack: true, rawMode: false)
    }

    private func erase(_ command: FirehoseElement) throws {
        let target = try range(command)
        try storage.erase(lun: target.lun, offset: target.offset, length: target.length)
        try respond(ack: true)
    }

    private func digest(_ command: FirehoseElement) throws {
        let source = try range(command)
        let sha = SHA256()
        var done: UInt64 = 0
        while done < source.length {
            let length = Int(min(source.length - done, 1 << 20))
            sha.update(try storage.read(lun: source.lun, offset: source.offset + done, length: length))
            done += UInt64(length)
        }
        var digest = sha.finish()
        if behaviour.faults.wrongDigest { digest[0] ^= 0x01 }
        try respond(ack: true, log: ["Digest " + digest.map(byteHex).joined()])
    }

    private func patch(_ command: FirehoseElement) throws {
        guard (command["filename"] ?? "DISK") == "DISK" else {
            throw FirehoseDeviceError.outOfRange("patch of file \(command["filename"] ?? "") must be applied on the host")
        }
        guard let lun = Int(command["physical_partition_number"] ?? ""), lun >= 0, lun < storage.lunCount else {
            throw FirehoseDeviceError.outOfRange("physical_partition_number is not a LUN")
        }
        guard let byteOffset = UInt64(command["byte_offset"] ?? ""), let size = Int(command["size_in_bytes"] ?? ""), size > 0, size <= 8 else {
            throw FirehoseDeviceError.missingAttribute("byte_offset / size_in_bytes (1…8)")
        }
        let sector = try evaluate(command["start_sector"] ?? "", lun: lun)
        let value = try evaluate(command["value"] ?? "", lun: lun)
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        try storage.write(lun: lun, offset: sector * UInt64(storage.sectorSize) + byteOffset, bytes: bytes)
        try respond(ack: true)
    }

    // MARK: documents

    func respond(ack: Bool, rawMode: Bool? = nil, log: [String] = [], attributes: [(String, String)] = []) throws {
        var elements = log.map { FirehoseElement("log", [("value", $0)]) }
        var response = [("value", ack ? "ACK" : "NAK")] + attributes
        if let rawMode { response.append(("rawmode", rawMode ? "true" : "false")) }
        elements.append(FirehoseElement("response", response))
        try transport.write(FirehoseXML.document(elements), deadline: .after(seconds: 10))
        if behaviour.logsAfterAck, ack, rawMode != true {
            try transport.write(FirehoseXML.document([FirehoseElement("log", [("value", "INFO: command done")])]), deadline: .after(seconds: 10))
        }
    }

    private func receiveDocument() throws -> [UInt8]? {
        while true {
            splitter.skipFiller()
            if let document = try splitter.nextDocument() { return document }
            do {
                splitter.feed(try transport.read(maxLength: 65536, deadline: .never))
            } catch {
                return nil
            }
        }
    }
}
