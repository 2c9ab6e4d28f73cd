// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Lightwhale",
    products: [
        .library(name: "PersistenceKit", targets: ["PersistenceKit"]),
        .executable(name: "lwctl", targets: ["lwctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        // One thin module per C library: a modulemap and a shim header, nothing else.
        .systemLibrary(name: "CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        .systemLibrary(name: "CFdisk", pkgConfig: "fdisk", providers: [.apt(["libfdisk-dev"])]),
        .systemLibrary(name: "CExt2fs", pkgConfig: "ext2fs", providers: [.apt(["libext2fs-dev"])]),
        .target(
            name: "PersistenceKit",
            dependencies: ["CBlkid", "CFdisk", "CExt2fs", .product(name: "SystemPackage", package: "swift-system")]),
        .target(
            name: "LWCommands",
            dependencies: ["PersistenceKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "lwctl", dependencies: ["LWCommands"]),
        .testTarget(
            name: "PlanningTests",
            dependencies: ["PersistenceKit", .product(name: "SystemPackage", package: "swift-system")]),
        .testTarget(name: "FixtureTests", dependencies: ["PersistenceKit", "LWCommands"]),
        .testTarget(name: "PrivilegedTests", dependencies: ["PersistenceKit"]),
    ]
)
