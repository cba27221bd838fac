internal import CLZMA

/// Whole-buffer LZMA2 (xz container, no integrity check: the patch's own SHA-256 covers
/// it) through Debian's liblzma; every liblzma call lives in this file.
enum LZMACodec {
    /// Largest dictionary the encoder uses; the decoder's memory follows it.
    static let maximumDictionary: UInt32 = 8 << 20

    /// What a stream holds, which decides its literal-context and position bits.
    enum Stream {
        /// Columns of LEB128 integers: little depends on the previous byte's high bits (lc 1).
        case control
        /// Target minus source bytes: mostly zeros between runs of small address deltas.
        case diff
        /// Literal target bytes (new code and data).
        case extra

        var literalContextBits: UInt32 { self == .control ? 1 : 3 }
    }

    /// `bytes` compressed at preset 9 with the longest match length (long matches pay off
    /// on diff streams: runs of zeros and repeated address deltas) and a dictionary no
    /// larger than the input. pb 2 (the default) measured 1 % smaller than pb 0 on the diff
    /// and extra streams of a 30 MB executable's patch, and no worse on libc.
    static func compress(_ bytes: [UInt8], for stream: Stream) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        var options = lzma_options_lzma()
        _ = lzma_lzma_preset(&options, 9)
        options.dict_size = dictionarySize(for: bytes.count)
        options.nice_len = 273
        options.lc = stream.literalContextBits
        var filters = [lzma_filter(id: termflash_lzma_filter_lzma2, options: nil),
                       lzma_filter(id: termflash_lzma_vli_unknown, options: nil)]
        var output = [UInt8](repeating: 0, count: lzma_stream_buffer_bound(bytes.count))
        var written = 0
        let status = withUnsafeMutablePointer(to: &options) { optionsPointer in
            filters[0].options = UnsafeMutableRawPointer(optionsPointer)
            return lzma_stream_buffer_encode(&filters, LZMA_CHECK_NONE, nil, bytes, bytes.count,
                                             &output, &written, output.count)
        }
        precondition(status == LZMA_OK, "liblzma failed to compress \(bytes.count) bytes (status \(status.rawValue)); out of memory?")
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses `packed` into exactly `expectedCount` bytes, or says why it cannot.
    static func decompress(_ packed: ArraySlice<UInt8>, expectedCount: Int) -> Result<[UInt8], LZMAFailure> {
        if expectedCount == 0 { return packed.isEmpty ? .success([]) : .failure(.trailingData) }
        if packed.isEmpty { return .failure(.truncated) }
        var output = [UInt8](repeating: 0, count: expectedCount)
        var memoryLimit = UInt64(maximumDictionary) * 2 + (4 << 20)
        var inputPosition = 0
        var outputPosition = 0
        let status = packed.withUnsafeBufferPointer { input in
            lzma_stream_buffer_decode(&memoryLimit, 0, nil, input.baseAddress, &inputPosition, input.count,
                                      &output, &outputPosition, expectedCount)
        }
        switch status {
        case LZMA_OK:
            guard outputPosition == expectedCount else { return .failure(.wrongLength(outputPosition)) }
            guard inputPosition == packed.count else { return .failure(.trailingData) }
            return .success(output)
        case LZMA_BUF_ERROR: return .failure(.truncated)
        case LZMA_MEMLIMIT_ERROR: return .failure(.dictionaryTooLarge)
        default: return .failure(.corrupt(Int(status.rawValue)))
        }
    }

    private static func dictionarySize(for count: Int) -> UInt32 {
        var size: UInt32 = 4096
        while size < maximumDictionary, Int(size) < count { size <<= 1 }
        return size
    }
}

/// Why a compressed stream did not decode.
enum LZMAFailure: Error, Equatable, CustomStringConvertible {
    case truncated
    case trailingData
    case wrongLength(Int)
    case dictionaryTooLarge
    case corrupt(Int)

    var description: String {
        switch self {
        case .truncated: return "the compressed stream ends early"
        case .trailingData: return "bytes follow the compressed stream"
        case let .wrongLength(count): return "the stream decodes to \(count) bytes, not the length the chunk states"
        case .dictionaryTooLarge: return "the stream asks for a dictionary larger than termflash allows"
        case let .corrupt(status): return "the compressed stream is corrupt (liblzma status \(status))"
        }
    }
}
