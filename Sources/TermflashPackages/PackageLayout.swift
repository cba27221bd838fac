/// The fixed shape of a package file: an uncompressed POSIX ustar archive whose first member
/// is `manifest.json`, whose second (when signed) is `manifest.sig` — the raw 64-byte Ed25519
/// signature of the manifest's exact bytes — followed by the images in manifest order, and
/// closed by zero blocks. Fixed order lets a reader check the signature before it reads a
/// single image byte, and check each image's hash as it streams by.
public enum PackageLayout {
    /// First member.
    public static let manifestName = "manifest.json"
    /// Second member of a signed package.
    public static let signatureName = "manifest.sig"
    /// File name extension packages use.
    public static let fileExtension = "tfpkg"
}
