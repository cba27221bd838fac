import Foundation
import TermflashCore
import TermflashCrypto

/// Valid inputs the package fuzzer mutates, built in memory.
enum FuzzSeeds {
    static func make(key: Ed25519.PrivateKey) throws -> [(PackageFuzzer.Kind, [UInt8])] {
        var seeds: [(PackageFuzzer.Kind, [UInt8])] = []
        for (index, sizes) in [[700, 1500], [0, 512], [3000]].enumerated() {
            seeds.append((.package, try package(sizes: sizes, key: index == 1 ? nil : key, deltaBase: index == 2)))
        }
        seeds.append((.openWrt, sysupgrade()))
        seeds.append((.environment, UBootEnvironment.block([("bootcmd", "bootm"), ("hw_ver", "A"), ("fw_version", "HGGBMF286DV1.0.0B04")], size: 1024)))
        return seeds
    }

    /// A package in memory, laid out exactly as `PackageWriter` writes one.
    static func package(sizes: [Int], key: Ed25519.PrivateKey?, deltaBase: Bool) throws -> [UInt8] {
        var images: [PackageImage] = [], data: [[UInt8]] = []
        for (index, size) in sizes.enumerated() {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* (index + 3)) }
            data.append(bytes)
            images.append(PackageImage(partition: "p\(index)", file: "images/p\(index).bin", size: UInt64(size), sha256: SHA256.hash(bytes).hexString,
                                       deltaBase: deltaBase ? DeltaBase(sha256: String(repeating: "ab", count: 32), size: 4096) : nil))
        }
        let manifest = PackageManifest(id: "fuzz", version: "1.0", antiRollbackIndex: 1, profiles: ["mf286d"], hardwareRevisions: ["A"],
                                       variants: ["three-gb"], firmwareVersion: "HGGBMF286DV1.0.0B04", images: images,
                                       protocolHints: ProtocolHints(backend: "uboot"))
        var members = [(PackageLayout.manifestName, manifest.encoded())]
        if let key { members.append((PackageLayout.signatureName, try key.signature(for: members[0].1))) }
        members += zip(images, data).map { ($0.0.file, $0.1) }
        var archive: [UInt8] = []
        for (name, bytes) in members {
            archive += TarHeader(name: name, size: UInt64(bytes.count)).encoded() + bytes
            archive += [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
        }
        return archive + [UInt8](repeating: 0, count: 1024)
    }

    /// A sysupgrade image: uImage body, fwtool metadata chunk, signature chunk.
    static func sysupgrade() -> [UInt8] {
        func be32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        let data = (0..<2000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        var header = be32(0x2705_1956) + be32(0) + be32(0) + be32(UInt32(data.count)) + be32(0) + be32(0)
        header += be32(CRC32.checksum(data)) + [5, 2, 2, 0] + Array("fuzz".utf8) + [UInt8](repeating: 0, count: 28)
        header.replaceSubrange(4..<8, with: be32(CRC32.checksum(header)))
        let json = Array(#"{"supported_devices":["zte,mf286d"],"version":{"version":"23.05.3"}}"#.utf8)
        var file = header + data + be32(1) + be32(0) + json
        file += be32(0x4657_7830) + be32(~CRC32.checksum(file)) + [1, 0, 0, 0] + be32(UInt32(8 + json.count + 16))
        file += [UInt8](repeating: 0x5A, count: 64)
        file += be32(0x4657_7830) + be32(~CRC32.checksum(file)) + [0, 0, 0, 0] + be32(80)
        return file
    }
}
