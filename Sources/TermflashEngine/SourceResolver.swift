import TermflashCore

/// Opens the bytes an image reference names. The default reads raw files; flash backends
/// add readers for sparse images and deltas.
public struct SourceResolver {
    private let open: (ImageReference) throws -> ByteSource

    /// A resolver from a function.
    public init(_ open: @escaping (ImageReference) throws -> ByteSource) {
        self.open = open
    }

    /// Raw files only.
    public static let files = SourceResolver { image in
        guard image.format == .raw else {
            throw PlanError.unsupportedImageFormat(image: image.path, format: image.format.rawValue)
        }
        do {
            return try FileByteSource(path: image.path, offset: image.offset, length: image.length)
        } catch {
            throw PlanError.imageUnreadable(image: image.path, reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// The source for `image`.
    public func source(for image: ImageReference) throws -> ByteSource {
        try open(image)
    }
}
