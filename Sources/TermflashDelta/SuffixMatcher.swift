internal import CDivSufSort
import Foundation

/// One operation of a delta before it is serialized: the target bytes
/// `targetStart ..< targetStart + addLength` are the source bytes from `sourceStart` plus
/// diff bytes; the `insertLength` bytes after them are literal.
struct DeltaOperation: Equatable {
    var sourceStart: Int
    var targetStart: Int
    var addLength: Int
    var insertLength: Int

    var targetEnd: Int { targetStart + addLength + insertLength }
}

/// The suffix array of the source (libdivsufsort, every call of it lives in this file) and
/// bsdiff-class approximate matching of target ranges against it.
final class SuffixMatcher: @unchecked Sendable {
    private let old: UnsafeBufferPointer<UInt8>
    private let new: UnsafeBufferPointer<UInt8>
    private var suffixes: [Int32]
    private let grams: GramFilter

    /// Sorts the suffixes of `old`; both buffers must outlive the matcher.
    init(old: UnsafeBufferPointer<UInt8>, new: UnsafeBufferPointer<UInt8>) {
        self.old = old
        self.new = new
        suffixes = [Int32](repeating: 0, count: old.count)
        grams = GramFilter(old)
        if old.count > 0 {
            let status = suffixes.withUnsafeMutableBufferPointer { array in
                divsufsort(old.baseAddress, array.baseAddress, Int32(old.count))
            }
            precondition(status == 0, "libdivsufsort failed on \(old.count) bytes (status \(status)); out of memory?")
        }
    }

    /// Operations covering `segment` of the target, in order.
    func operations(for segment: Range<Int>) -> [DeltaOperation] {
        guard !old.isEmpty else {
            return [DeltaOperation(sourceStart: 0, targetStart: segment.lowerBound, addLength: 0, insertLength: segment.count)]
        }
        return suffixes.withUnsafeBufferPointer { array in
            var scan = SegmentScan(old: old, new: new, suffixes: array, grams: grams, end: segment.upperBound, start: segment.lowerBound)
            return scan.run()
        }
    }
}

/// The approximate-match scan over one target segment: find an exact match by suffix
/// array, then extend it forwards and backwards while at least half the bytes agree, so
/// code whose addresses moved still pairs with its old version and leaves small diffs.
private struct SegmentScan {
    let old: UnsafeBufferPointer<UInt8>
    let new: UnsafeBufferPointer<UInt8>
    let suffixes: UnsafeBufferPointer<Int32>
    let grams: GramFilter
    let end: Int
    var scan: Int
    var lastScan: Int
    var lastPosition = 0
    var lastOffset = 0
    var operations: [DeltaOperation] = []

    init(old: UnsafeBufferPointer<UInt8>, new: UnsafeBufferPointer<UInt8>, suffixes: UnsafeBufferPointer<Int32>,
         grams: GramFilter, end: Int, start: Int) {
        self.old = old
        self.new = new
        self.suffixes = suffixes
        self.grams = grams
        self.end = end
        scan = start
        lastScan = start
    }

    /// How many bytes a new match must beat the current displacement by: a jump far away
    /// costs a long seek (and usually another to come back), a small shift costs little.
    /// Tuned on a 30 MB executable and checked on libc, a kernel and a 100 MB tar.
    private func threshold(jump: Int) -> Int {
        jump <= MatchTuning.nearJump ? MatchTuning.nearThreshold : MatchTuning.farThreshold
    }

    private func predicted(_ index: Int) -> Bool {
        let at = index + lastOffset
        return at >= 0 && at < old.count && old[at] == new[index]
    }

    mutating func run() -> [DeltaOperation] {
        var length = 0
        var position = 0
        if scan < end {
            // A segment starts predicting from its own first match, not from source offset 0.
            (_, lastPosition) = longestMatch(at: scan)
            lastOffset = lastPosition - scan
        }
        while scan < end {
            var oldScore = 0
            scan += length
            var scored = scan
            while scan < end {
                if scan + GramFilter.width <= end, !predicted(scan), !grams.mayContain(new, at: scan) {
                    length = 0 // no 8-byte match anywhere and no prediction: the search cannot end the scan here
                } else {
                    (length, position) = longestMatch(at: scan)
                }
                while scored < scan + length {
                    if predicted(scored) { oldScore += 1 }
                    scored += 1
                }
                if (length == oldScore && length != 0) || length > oldScore + threshold(jump: abs(position - scan - lastOffset)) { break }
                let step = length >= 512 ? length / 4 : 1
                for index in scan..<min(scan + step, scored) where predicted(index) { oldScore -= 1 }
                scan += step
                if scored < scan { scored = scan; oldScore = 0 }
            }
            if length != oldScore || scan >= end {
                scan = min(scan, end)
                emit(scan: scan, position: position)
            }
        }
        return operations
    }

    /// Closes the operation that started at `lastScan`, extending the previous match
    /// forwards and the new one backwards.
    private mutating func emit(scan: Int, position: Int) {
        var forward = forwardExtension()
        var backward = scan < end ? backwardExtension(scan: scan, position: position) : 0
        if lastScan + forward > scan - backward {
            let overlap = lastScan + forward - (scan - backward)
            var score = 0, best = 0, split = 0
            for index in 0..<overlap {
                if new[lastScan + forward - overlap + index] == old[lastPosition + forward - overlap + index] { score += 1 }
                if new[scan - backward + index] == old[position - backward + index] { score -= 1 }
                if score > best { best = score; split = index + 1 }
            }
            forward += split - overlap
            backward -= split
        }
        operations.append(DeltaOperation(sourceStart: lastPosition, targetStart: lastScan, addLength: forward,
                                         insertLength: (scan - backward) - (lastScan + forward)))
        lastScan = scan - backward
        lastPosition = position - backward
        lastOffset = position - scan
    }

    private func forwardExtension() -> Int {
        var score = 0, best = 0, length = 0, index = 0
        while lastScan + index < scan, lastPosition + index < old.count {
            if old[lastPosition + index] == new[lastScan + index] { score += 1 }
            index += 1
            if score * 2 - index > best * 2 - length { best = score; length = index }
        }
        return length
    }

    private func backwardExtension(scan: Int, position: Int) -> Int {
        var score = 0, best = 0, length = 0, index = 1
        while scan >= lastScan + index, position >= index {
            if old[position - index] == new[scan - index] { score += 1 }
            if score * 2 - index > best * 2 - length { best = score; length = index }
            index += 1
        }
        return length
    }

    /// The longest exact match of `new[at..<end]` in the source: (length, source position).
    private func longestMatch(at start: Int) -> (Int, Int) {
        let wanted = end - start
        var low = 0
        var high = suffixes.count - 1
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if compare(suffix: Int(suffixes[middle]), start: start, wanted: wanted) < 0 { low = middle } else { high = middle }
        }
        let lowLength = matchLength(Int(suffixes[low]), start, wanted)
        let highLength = matchLength(Int(suffixes[high]), start, wanted)
        let best = lowLength >= highLength ? (lowLength, Int(suffixes[low]), low) : (highLength, Int(suffixes[high]), high)
        guard best.0 >= MatchTuning.minimumLength else { return (best.0, best.1) }
        return nearest(to: start + lastOffset, around: best.2, length: best.0, start: start, wanted: wanted, fallback: best.1)
    }

    /// Among the suffixes next to `index` that match about as long (a few bytes shorter at
    /// most), the one nearest `expected`: the source position the current displacement
    /// predicts. A near match keeps seeks short and the next bytes predictable.
    private func nearest(to expected: Int, around index: Int, length: Int, start: Int, wanted: Int, fallback: Int) -> (Int, Int) {
        let needed = max(MatchTuning.minimumLength, length - MatchTuning.lengthSlack)
        var chosen = fallback
        var chosenLength = length
        var distance = abs(fallback - expected)
        for direction in [-1, 1] {
            var at = index + direction
            var steps = 0
            while at >= 0, at < suffixes.count, steps < MatchTuning.candidates {
                let position = Int(suffixes[at])
                let candidate = matchLength(position, start, wanted)
                if candidate < needed { break }
                if abs(position - expected) < distance { chosen = position; chosenLength = candidate; distance = abs(position - expected) }
                at += direction
                steps += 1
            }
        }
        return (chosenLength, chosen)
    }

    private func compare(suffix: Int, start: Int, wanted: Int) -> Int32 {
        let count = min(old.count - suffix, wanted)
        let result = memcmp(old.baseAddress! + suffix, new.baseAddress! + start, count)
        return result != 0 ? result : (count < wanted ? -1 : 0)
    }

    private func matchLength(_ suffix: Int, _ start: Int, _ wanted: Int) -> Int {
        let limit = min(old.count - suffix, wanted)
        var length = 0
        while length + 8 <= limit {
            let a = UnsafeRawPointer(old.baseAddress! + suffix + length).loadUnaligned(as: UInt64.self)
            let b = UnsafeRawPointer(new.baseAddress! + start + length).loadUnaligned(as: UInt64.self)
            if a != b { return length + (a ^ b).trailingZeroBitCount / 8 }
            length += 8
        }
        while length < limit, old[suffix + length] == new[start + length] { length += 1 }
        return length
    }
}

/// A one-hash Bloom filter of every 8-byte string of the source (one bit per source
/// byte), so the scan skips suffix-array searches where no useful match can start —
/// most of the bytes of compressed or rewritten regions.
final class GramFilter: @unchecked Sendable {
    static let width = 8
    private var bits: [UInt64]
    private let shift: UInt64

    init(_ old: UnsafeBufferPointer<UInt8>) {
        var log2 = 16
        while (1 << log2) < old.count * 8, log2 < 36 { log2 += 1 }
        bits = [UInt64](repeating: 0, count: (1 << log2) / 64)
        shift = UInt64(64 - log2)
        guard old.count >= Self.width else { return }
        let base = UnsafeRawPointer(old.baseAddress!)
        bits.withUnsafeMutableBufferPointer { words in
            for index in 0...(old.count - Self.width) {
                let slot = Self.slot(base.loadUnaligned(fromByteOffset: index, as: UInt64.self), shift: shift)
                words[Int(slot >> 6)] |= 1 << (slot & 63)
            }
        }
    }

    @inline(__always)
    private static func slot(_ gram: UInt64, shift: UInt64) -> UInt64 {
        (gram &* 0x9E37_79B9_7F4A_7C15) >> shift
    }

    /// Whether the 8 bytes of `buffer` at `index` may occur in the source.
    @inline(__always)
    func mayContain(_ buffer: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let gram = UnsafeRawPointer(buffer.baseAddress!).loadUnaligned(fromByteOffset: index, as: UInt64.self)
        let slot = Self.slot(gram, shift: shift)
        return bits[Int(slot >> 6)] & (1 << (slot & 63)) != 0
    }
}

/// The constants of the match search (measured on the benchmark pairs: a 30 MB static
/// executable, libc, a kernel ELF and a 100 MB tar).
enum MatchTuning {
    /// A match this much longer than what the current displacement predicts starts a new
    /// operation when its source is near the predicted one...
    static let nearThreshold = 6
    /// ...and this much longer when it jumps further (bsdiff uses 8 for both).
    static let farThreshold = 14
    /// Source distance from the predicted position still counted as near.
    static let nearJump = 4096
    /// Suffix-array neighbours examined on each side for a nearer source position.
    static let candidates = 64
    /// How much shorter a nearer candidate may be.
    static let lengthSlack = 4
    /// Matches shorter than this keep the first candidate.
    static let minimumLength = 8
}
