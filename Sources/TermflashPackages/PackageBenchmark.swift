import Foundation
import TermflashCrypto

/// Times streaming verification of a package holding one large image (`bench verify-package`).
public enum PackageBenchmark {
    /// Median seconds and the process's peak resident memory.
    public struct Result: Sendable {
        public let medianSeconds: Double
        public let peakResidentMiB: Double
    }

    /// Writes a `mebibytes` image and its signed package into `folder`, then verifies it `runs` times.
    public static func run(mebibytes: Int, runs: Int, folder: String) throws -> Result {
        let imagePath = "\(folder)/image.bin", packagePath = "\(folder)/bench.tfpkg"
        FileManager.default.createFile(atPath: imagePath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: imagePath))
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for index in 0..<mebibytes {
            for offset in stride(from: 0, to: block.count, by: 4096) { block[offset] = UInt8(truncatingIfNeeded: index &+ offset) }
            try handle.write(contentsOf: Data(block))
        }
        try handle.close()
        let key = try Ed25519.PrivateKey()
        let image = try PackageWriter.describe(file: imagePath, partition: "rootfs", member: "images/rootfs.bin")
        let manifest = PackageManifest(id: "bench", version: "1", profiles: ["bench"], images: [image])
        try PackageWriter.create(manifest: manifest, sources: [.init(image: image, path: imagePath)], signingKey: key, to: packagePath)
        try FileManager.default.removeItem(atPath: imagePath)
        let verifier = PackageVerifier(trustedKeys: [key.publicKey], keyringPath: "bench")
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = Date()
            _ = try verifier.verify(FilePackageInput(path: packagePath))
            times.append(Date().timeIntervalSince(start))
        }
        return Result(medianSeconds: times.sorted()[times.count / 2], peakResidentMiB: peakResidentMiB())
    }

    /// `VmHWM` from /proc/self/status.
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib / 1024
    }
}
