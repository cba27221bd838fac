#if canImport(Glibc)
import Glibc
#endif
import TermflashCore
import TermflashCrypto

/// A device played back from a recording: it serves the device's bytes and checks every
/// host write against the recording, byte for byte (or by SHA-256 for hashed payloads).
///
/// Device data recorded after a host write becomes readable only once the host has written
/// everything recorded before it; a read while the recording expects the host to write
/// waits out its deadline and times out, as the silent device would have.
public final class ReplayTransport: Transport {
    public let name: String
    public let packetSize: Int
    private let dialogue: DeviceDialogue
    private var stepIndex = 0
    private var offsetInStep = 0
    private var digest: SHA256?
    private var isClosed = false

    /// A transport that replays `dialogue`; `packetSize` as the recorded device had.
    public init(_ dialogue: DeviceDialogue, packetSize: Int = 512) {
        self.dialogue = dialogue
        self.packetSize = packetSize
        name = "replay \(dialogue.source)"
    }

    /// Whether every recorded step has been played.
    public var isFinished: Bool { stepIndex >= dialogue.steps.count }

    /// Throws if recorded steps remain (the program stopped early or skipped a step).
    public func verifyFinished() throws(TransportError) {
        guard let step = currentStep else { return }
        throw .replayDiverged(capture: dialogue.source, record: step.record, offset: offsetInStep,
                              expected: preview(step), actual: [])
    }

    public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        precondition(maxLength > 0, "read needs room for at least one byte")
        guard !isClosed else { throw .closed(name: name) }
        guard let step = currentStep, step.direction == .deviceToHost, case let .bytes(bytes) = step.payload else {
            try waitOut(deadline)
        }
        let start = bytes.startIndex + offsetInStep
        let end = min(bytes.endIndex, start + maxLength)
        advance(by: end - start, in: step)
        return Array(bytes[start..<end])
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        guard !isClosed else { throw .closed(name: name) }
        var consumed = 0
        while consumed < bytes.count {
            guard let step = currentStep, step.direction == .hostToDevice, step.payload.count > 0 else {
                throw divergence(actual: Array(bytes[consumed...]))
            }
            consumed += try match(bytes, from: consumed, against: step)
        }
    }

    public func sendZeroLengthPacket(deadline: Deadline) throws(TransportError) {
        guard let step = currentStep, step.direction == .hostToDevice, step.payload.count == 0 else {
            throw divergence(actual: [])
        }
        stepIndex += 1
    }

    public func close() {
        isClosed = true
    }

    private var currentStep: DeviceDialogue.Step? {
        stepIndex < dialogue.steps.count ? dialogue.steps[stepIndex] : nil
    }

    /// Compares as much of `bytes` as the current step still expects; returns how many matched.
    private func match(_ bytes: [UInt8], from start: Int, against step: DeviceDialogue.Step) throws(TransportError) -> Int {
        let count = min(bytes.count - start, step.payload.count - offsetInStep)
        switch step.payload {
        case let .bytes(expected):
            let base = expected.startIndex + offsetInStep
            let mismatch = firstMismatch(bytes, start, expected, base, count)
            if let mismatch {
                throw .replayDiverged(capture: dialogue.source, record: step.record, offset: offsetInStep + mismatch,
                                      expected: Array(expected[(base + mismatch)...].prefix(16)),
                                      actual: Array(bytes[(start + mismatch)...].prefix(16)))
            }
        case let .hashed(length, sha256):
            if digest == nil { digest = SHA256() }
            bytes[start..<(start + count)].withUnsafeBytes { digest?.update(UnsafeRawBufferPointer($0)) }
            if offsetInStep + count == length {
                let actual = digest?.finish() ?? []
                digest = nil
                guard actual == sha256 else {
                    throw .replayDiverged(capture: dialogue.source, record: step.record, offset: 0,
                                          expected: Array("sha256:".utf8) + sha256, actual: Array("sha256:".utf8) + actual)
                }
            }
        }
        advance(by: count, in: step)
        return count
    }

    private func advance(by count: Int, in step: DeviceDialogue.Step) {
        offsetInStep += count
        if offsetInStep == step.payload.count {
            stepIndex += 1
            offsetInStep = 0
        }
    }

    private func divergence(actual: [UInt8]) -> TransportError {
        guard let step = currentStep else {
            return .replayDiverged(capture: dialogue.source, record: (dialogue.steps.last?.record ?? 0) + 1,
                                   offset: 0, expected: [], actual: Array(actual.prefix(16)))
        }
        let expectation: [UInt8] = step.direction == .deviceToHost
            ? Array("<device sends next>".utf8) : (step.payload.count == 0 ? Array("<zero-length packet>".utf8) : preview(step))
        return .replayDiverged(capture: dialogue.source, record: step.record, offset: offsetInStep,
                               expected: expectation, actual: Array(actual.prefix(16)))
    }

    private func preview(_ step: DeviceDialogue.Step) -> [UInt8] {
        if case let .bytes(bytes) = step.payload { return Array(bytes.dropFirst(offsetInStep).prefix(16)) }
        return Array("<hashed payload>".utf8)
    }

    private func waitOut(_ deadline: Deadline) throws(TransportError) -> Never {
        let started = Deadline.now
        if deadline != .never, !deadline.hasPassed { usleep(UInt32(min(deadline.remainingMilliseconds, 60_000)) * 1000) }
        let waited = Int((Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        throw .timedOut(operation: "data on \(name)", waitedMilliseconds: waited, transferred: 0)
    }
}

/// Index of the first differing byte among `count` bytes, or `nil` when they are equal.
private func firstMismatch(_ left: [UInt8], _ leftStart: Int, _ right: ArraySlice<UInt8>, _ rightStart: Int, _ count: Int) -> Int? {
    let equal = left.withUnsafeBytes { a in
        right.withUnsafeBytes { b in
            memcmp(a.baseAddress! + leftStart, b.baseAddress! + (rightStart - right.startIndex), count) == 0
        }
    }
    if equal { return nil }
    for index in 0..<count where left[leftStart + index] != right[rightStart + index] { return index }
    return nil
}
