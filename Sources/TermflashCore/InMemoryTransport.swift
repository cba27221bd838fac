#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// One end of an in-process byte pipe; ``InMemoryTransport/pair(packetSize:)`` makes two
/// connected ends, one for a protocol session and one for a simulated device.
public final class InMemoryTransport: Transport {
    public let name: String
    public let packetSize: Int
    private let inbox: Mailbox
    private let outbox: Mailbox

    private init(name: String, packetSize: Int, inbox: Mailbox, outbox: Mailbox) {
        self.name = name
        self.packetSize = packetSize
        self.inbox = inbox
        self.outbox = outbox
    }

    /// Two connected ends: what one writes, the other reads. With `capacity`, a write waits
    /// while that many bytes are still unread (back-pressure, as a USB endpoint gives), so a
    /// fast writer cannot pile a whole image up in memory.
    public static func pair(packetSize: Int = 512, capacity: Int? = nil) -> (host: InMemoryTransport, device: InMemoryTransport) {
        let toDevice = Mailbox(capacity: capacity), toHost = Mailbox(capacity: capacity)
        return (InMemoryTransport(name: "memory host", packetSize: packetSize, inbox: toHost, outbox: toDevice),
                InMemoryTransport(name: "memory device", packetSize: packetSize, inbox: toDevice, outbox: toHost))
    }

    public func read(maxLength: Int, deadline: Deadline) throws(TransportError) -> [UInt8] {
        precondition(maxLength > 0, "read needs room for at least one byte")
        return try inbox.take(maxLength: maxLength, deadline: deadline, reader: name)
    }

    public func write(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        try outbox.put(bytes, writer: name, deadline: deadline)
    }

    public func close() {
        inbox.shut()
        outbox.shut()
    }
}

/// A byte queue with a condition variable, shared by the two ends of a pair.
private final class Mailbox: @unchecked Sendable {
    /// Writes not yet read, in order; each array is handed on without copying when a read
    /// takes it whole.
    private var chunks: [[UInt8]] = []
    private var head = 0
    /// Bytes of `chunks[head]` already read.
    private var offset = 0
    private var buffered = 0
    private var isShut = false
    private let capacity: Int?
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    init(capacity: Int?) {
        self.capacity = capacity
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func put(_ data: [UInt8], writer: String, deadline: Deadline) throws(TransportError) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !isShut else { throw .deviceVanished(name: writer, during: "write") }
        if let capacity {
            let started = Deadline.now
            while buffered >= capacity {
                if isShut { throw .deviceVanished(name: writer, during: "write") }
                if deadline.hasPassed {
                    let waited = Int((Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
                    throw .timedOut(operation: "room to write on \(writer)", waitedMilliseconds: waited, transferred: 0)
                }
                wait(until: deadline)
            }
        }
        guard !data.isEmpty else { return }
        chunks.append(data)
        buffered += data.count
        pthread_cond_broadcast(&condition)
    }

    func take(maxLength: Int, deadline: Deadline, reader: String) throws(TransportError) -> [UInt8] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        let started = Deadline.now
        while buffered == 0 {
            if isShut { throw .deviceVanished(name: reader, during: "read") }
            if deadline.hasPassed {
                let waited = Int((Deadline.now.uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
                throw .timedOut(operation: "data on \(reader)", waitedMilliseconds: waited, transferred: 0)
            }
            wait(until: deadline)
        }
        let wanted = min(maxLength, buffered)
        let chunk: [UInt8]
        if offset == 0, chunks[head].count == wanted {
            chunk = chunks[head]
            dropHead()
        } else {
            var gathered: [UInt8] = []
            gathered.reserveCapacity(wanted)
            while gathered.count < wanted {
                let first = chunks[head]
                let end = min(first.count, offset + wanted - gathered.count)
                gathered += first[offset..<end]
                offset = end
                if offset == first.count { dropHead() }
            }
            chunk = gathered
        }
        buffered -= chunk.count
        if capacity != nil { pthread_cond_broadcast(&condition) }
        return chunk
    }

    /// Forgets the first chunk (mutex held); compacts the queue now and then.
    private func dropHead() {
        chunks[head] = []
        head += 1
        offset = 0
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 {
            chunks.removeFirst(head)
            head = 0
        }
    }

    /// Waits on the condition (mutex held) until signalled or the deadline.
    private func wait(until deadline: Deadline) {
        var until = timespec(tv_sec: Int(deadline.uptimeNanoseconds / 1_000_000_000),
                             tv_nsec: Int(deadline.uptimeNanoseconds % 1_000_000_000))
        if deadline == .never { pthread_cond_wait(&condition, &mutex) } else { pthread_cond_timedwait(&condition, &mutex, &until) }
    }

    func shut() {
        pthread_mutex_lock(&mutex)
        isShut = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }
}
