// swift-tools-version:6.0
import PackageDescription

/// One system-library target per C library; each is imported by exactly one Swift target.
let package = Package(
    name: "termflash",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "termflash", targets: ["termflash"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibUSB", pkgConfig: "libusb-1.0",
            providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(
            name: "CLibUDev", pkgConfig: "libudev",
            providers: [.apt(["libudev-dev"])]),
        .systemLibrary(
            name: "CLibCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CUMockDev", pkgConfig: "umockdev-1.0",
            providers: [.apt(["libumockdev-dev"])]),
        .systemLibrary(
            name: "CLibZ", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CLZMA", pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(
            name: "CDivSufSort", pkgConfig: "libdivsufsort",
            providers: [.apt(["libdivsufsort-dev"])]),

        // Not a library: carry-less multiplication for the HDLC checksum, which Swift cannot express.
        .target(name: "CCRCFold"),
        .target(name: "TermflashCore"),
        .target(name: "TermflashCrypto", dependencies: ["CLibCrypto"]),
        .target(name: "TermflashProtocols", dependencies: ["TermflashCore", "CCRCFold", "TermflashCrypto", "TermflashProfiles"]),
        .target(
            name: "TermflashImages",
            dependencies: ["TermflashCore", "TermflashCrypto", "CLibZ",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "TermflashDelta", dependencies: ["TermflashCore", "TermflashCrypto", "CLZMA", "CDivSufSort"]),
        .target(name: "TermflashSimulator", dependencies: ["TermflashCore", "TermflashProtocols", "TermflashCrypto", "TermflashImages"]),
        .target(
            name: "TermflashEngine",
            dependencies: ["TermflashCore", "TermflashProfiles", "TermflashCrypto", "TermflashImages", "TermflashProtocols",
                           .product(name: "Logging", package: "swift-log")]),
        .target(name: "TermflashCapture", dependencies: ["TermflashCore", "TermflashProtocols", "TermflashCrypto"]),
        .target(name: "TermflashPackages", dependencies: ["TermflashCore", "TermflashCrypto", "TermflashProfiles", "TermflashEngine", "TermflashImages"]),
        .target(
            name: "TermflashProfiles",
            dependencies: ["TermflashCore", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "TermflashHardware",
            dependencies: ["TermflashCore", "TermflashCrypto", "CLibUSB", "CLibUDev",
                           .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "termflash",
            dependencies: [
                "TermflashCore", "TermflashProfiles", "TermflashHardware", "TermflashCapture", "TermflashProtocols",
                "TermflashSimulator", "TermflashEngine", "TermflashPackages", "TermflashCrypto", "TermflashImages", "TermflashDelta",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .target(
            name: "TestSupport",
            dependencies: ["TermflashCore", "TermflashCapture", "CUMockDev"],
            path: "Tests/TestSupport"),
        .testTarget(name: "TermflashCoreTests", dependencies: ["TermflashCore", "TestSupport"]),
        .testTarget(name: "TermflashProfilesTests", dependencies: ["TermflashProfiles", "TestSupport"]),
        .testTarget(
            name: "TermflashProtocolsTests",
            dependencies: ["TermflashProtocols", "TermflashSimulator", "TermflashCapture", "TermflashCrypto", "TestSupport"]),
        .testTarget(
            name: "TermflashEngineTests",
            dependencies: ["TermflashEngine", "TermflashSimulator", "TermflashProtocols", "TermflashHardware", "TermflashProfiles", "TestSupport"]),
        .testTarget(
            name: "TermflashCaptureTests",
            dependencies: ["TermflashCapture", "TermflashHardware", "TermflashCrypto", "TestSupport"]),
        .testTarget(
            name: "TermflashHardwareTests",
            dependencies: ["TermflashHardware", "TermflashCrypto", "TestSupport"]),
        .testTarget(
            name: "TermflashDeltaTests",
            dependencies: ["TermflashDelta", "TermflashSimulator", "TermflashHardware", "TermflashCore", "TermflashCrypto", "TermflashProtocols", "TestSupport"]),
        .testTarget(
            name: "TermflashImagesTests",
            dependencies: ["TermflashImages", "TermflashCore", "TermflashCrypto", "TestSupport",
                           .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(
            name: "TermflashPackagesTests",
            dependencies: ["TermflashPackages", "TermflashCrypto", "TermflashProfiles", "TermflashEngine", "TestSupport"]),
        .testTarget(name: "TermflashCLITests", dependencies: ["termflash", "TestSupport", "TermflashImages", "TermflashCrypto"]),
        .testTarget(
            name: "TermflashEDLTests",
            dependencies: ["TermflashDelta", "TermflashProtocols", "TermflashSimulator", "TermflashHardware", "TermflashCapture", "TermflashEngine",
                           "TermflashCrypto", "TermflashImages", "TestSupport"]),
        .testTarget(
            name: "TermflashUBootTests",
            dependencies: ["TermflashDelta", "TermflashProtocols", "TermflashSimulator", "TermflashHardware", "TermflashCore", "TermflashCrypto", "TermflashCapture", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
