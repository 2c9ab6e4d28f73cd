// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Lightwhale",
    products: [
        .library(name: "PersistenceKit", targets: ["PersistenceKit"]),
        .executable(name: "lwctl", targets: ["lwctl"]),
        .executable(name: "lwsign", targets: ["lwsign"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.0"),
    ],
    targets: [
        // One thin module per C library: a modulemap and a shim header, nothing else.
        .systemLibrary(name: "CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        .systemLibrary(name: "CFdisk", pkgConfig: "fdisk", providers: [.apt(["libfdisk-dev"])]),
        .systemLibrary(name: "CExt2fs", pkgConfig: "ext2fs", providers: [.apt(["libext2fs-dev"])]),
        .systemLibrary(name: "CYaml", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Model/ and Planning/: every rule, as values and pure functions. It links no C module and
        // imports no Glibc (FixtureTests checks its imports), so it can do no I/O, read no clock, draw no randomness.
        .target(name: "PersistenceCore"),
        // Configuration before the first boot (cloud-init's NoCloud seed): YAML read by libyaml into
        // values, and the plan of what to write, as pure functions; no I/O.
        .target(name: "Provisioning", dependencies: ["CYaml"]),
        // Signed images and staged versions (`lwctl update`): the manifest, its Ed25519 signature
        // and the decisions, as values and pure functions; swift-crypto does the cryptography.
        .target(name: "Updating", dependencies: ["PersistenceCore", .product(name: "Crypto", package: "swift-crypto")]),
        // Backups (`lwctl backup`, `restore`): the archive's manifest and checksums, a tar stream
        // read as it passes, what is copied and how tar is asked; pure.
        .target(name: "Backup", dependencies: ["PersistenceCore", "Updating"]),
        .target(
            name: "PersistenceKit",
            dependencies: [
                "PersistenceCore", "Provisioning", "Updating", "Backup", "CBlkid", "CFdisk", "CExt2fs", "CZstd",
                .product(name: "SystemPackage", package: "swift-system"),
            ]),
        .target(
            name: "LWCommands",
            dependencies: ["PersistenceKit", "Provisioning", "Updating", "Backup", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "lwctl", dependencies: ["LWCommands"]),
        // The build's signer: makes the update key pair and signs an image's manifest.
        .executableTarget(name: "lwsign", dependencies: ["Updating", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Mutated disk images through the probe and the planner: libFuzzer's target under bench/fuzz
        // (-DFUZZING), otherwise the replay of Fixtures/fuzz that scripts/test runs.
        .executableTarget(name: "lwfuzz", dependencies: ["PersistenceKit", "Updating"]),
        // The acceptance suite's NTP and DNS servers on the host (10-clock, 09-network): no host package has them.
        .executableTarget(name: "lwtest-udpd"),
        // Builders for inventories and plans, shared by the pure tests and the pipeline's.
        .target(name: "PlanningBuilders", dependencies: ["PersistenceCore"], path: "Tests/PlanningBuilders"),
        .testTarget(name: "PlanningTests", dependencies: ["PersistenceCore", "PlanningBuilders"]),
        .testTarget(name: "ProvisioningTests", dependencies: ["Provisioning"]),
        .testTarget(name: "UpdatingTests", dependencies: ["Updating"]),
        .testTarget(name: "BackupTests", dependencies: ["Backup", "PersistenceCore"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["PersistenceKit", "PlanningBuilders", .product(name: "SystemPackage", package: "swift-system")]),
        // One sandbox, process runner and lwctl finder for the two suites that run the real binary.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "FixtureTests", dependencies: ["PersistenceKit", "LWCommands", "TestSupport"]),
        .testTarget(name: "PrivilegedTests", dependencies: ["PersistenceKit", "TestSupport"]),
    ]
)
