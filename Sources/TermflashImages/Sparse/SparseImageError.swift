import TermflashCore

/// An Android sparse image that cannot be expanded, naming the image, the chunk and its offset.
public struct SparseImageError: ActionableError, Equatable {
    /// The image's file name.
    public let image: String
    /// 0-based chunk index, nil for faults of the file header.
    public let chunk: Int?
    /// Byte offset in the sparse file where the fault is.
    public let offset: UInt64
    /// What is wrong.
    public let problem: String

    /// An error.
    public init(image: String, chunk: Int?, offset: UInt64, problem: String) {
        self.image = image
        self.chunk = chunk
        self.offset = offset
        self.problem = problem
    }

    public var exitStatus: ExitStatus { .invalidProfile }

    public var advice: String? {
        "the sparse image is truncated or damaged; copy or download it again (compare its size and checksum with the original)"
    }

    public var description: String {
        let hex = "0x" + String(offset, radix: 16)
        let place = chunk.map { "chunk \($0) at offset \(hex)" } ?? "header at offset \(hex)"
        return "sparse image \(image): \(place): \(problem)"
    }
}
