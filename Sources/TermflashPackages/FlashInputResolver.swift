import TermflashCore
import TermflashCrypto
import TermflashEngine
import TermflashProfiles

/// Turns what `termflash flash` was given into verified images for any backend, before a
/// plan is made or a device opened: packages are verified (signature, then every image's
/// size and SHA-256) and guarded; vendor inputs pass only with `allowUnsigned` and are still
/// checked (their own checksums, the profile, a SHA-256 the engine checks again before writing).
public struct FlashInputResolver {
    /// An image bound for a partition (`nil`: the whole device).
    public struct Image: Sendable {
        public var partition: String?
        public var reference: ImageReference
    }

    /// The result.
    public struct Resolved {
        /// Images every backend can write, in order.
        public var images: [Image] = []
        /// Inputs a backend reads itself (rawprogram sets), already recognised and checked.
        public var passThrough: [String] = []
        /// The packages among the inputs.
        public var packages: [VerifiedPackage] = []
    }

    public var verifier: PackageVerifier
    public var allowUnsigned: Bool
    public var packageGuard: PackageGuard
    public var unit: UnitFacts
    public var profile: DeviceProfile?

    /// A resolver.
    public init(verifier: PackageVerifier, allowUnsigned: Bool, packageGuard: PackageGuard, unit: UnitFacts, profile: DeviceProfile?) {
        self.verifier = verifier
        self.allowUnsigned = allowUnsigned
        self.packageGuard = packageGuard
        self.unit = unit
        self.profile = profile
    }

    /// Resolves `inputs`; `partitions` (from `--partition`) go, in order, to the inputs that are single images.
    public func resolve(_ inputs: [String], partitions: [String]) throws -> Resolved {
        var resolved = Resolved()
        var singles: [(String, FirmwareInput)] = []
        for path in inputs {
            let input = try FirmwareInput.recognize(path, verifier: verifier)
            switch input {
            case let .package(package):
                try packageGuard.check(package.manifest, unit: unit, profile: profile)
                resolved.packages.append(package)
                resolved.images += package.members.map {
                    Image(partition: $0.image.partition,
                          reference: ImageReference(path: path, format: $0.image.deltaBase == nil ? .raw : .delta,
                                                    offset: $0.dataOffset, length: $0.image.size, sha256: $0.image.sha256))
                }
            case .rawprogram:
                try requireAllowed(path, input)
                resolved.passThrough.append(path)
            case .openWrt, .raw:
                try requireAllowed(path, input)
                singles.append((path, input))
            }
        }
        guard partitions.isEmpty || partitions.count == singles.count else {
            throw PlanError.check("give one --partition per image: \(singles.count) images, \(partitions.count) partitions")
        }
        for (index, (path, input)) in singles.enumerated() {
            resolved.images.append(Image(partition: partitions.isEmpty ? nil : partitions[index], reference: try reference(path, input)))
        }
        return resolved
    }

    private func requireAllowed(_ path: String, _ input: FirmwareInput) throws {
        guard allowUnsigned else { throw PackageError.unsigned(what: "\(path) (\(input.formatName))") }
    }

    /// A single image: the body of an OpenWrt image (its metadata is not written) or the whole raw file.
    private func reference(_ path: String, _ input: FirmwareInput) throws -> ImageReference {
        var length: UInt64
        switch input {
        case let .openWrt(image):
            if let profile { try image.checkSupports(vendor: profile.vendor, model: profile.model) }
            guard image.body != .nandTar else {
                throw PackageError.vendorFormat(path: path, reason: "a NAND sysupgrade tar is installed by sysupgrade on the running system, not written to a partition; flash the factory (UBI) image instead")
            }
            length = image.bodyLength
        case let .raw(_, size): length = size
        default: preconditionFailure("only single images have one reference")
        }
        let input = try FilePackageInput(path: path)
        let digest = SHA256()
        var remaining = length
        while remaining > 0 {
            let chunk = try input.read(upTo: Int(min(remaining, 1 << 20)))
            guard !chunk.isEmpty else { throw PackageError.truncated(what: path, offset: length - remaining, needed: remaining, available: 0) }
            digest.update(chunk)
            remaining -= UInt64(chunk.count)
        }
        return ImageReference(path: path, length: length, sha256: digest.finish().hexString)
    }
}
