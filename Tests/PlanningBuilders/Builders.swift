import PersistenceCore

/// Small builders so each test states only the facts it is about.
public enum Make {
    public static let MiB: UInt64 = 1 << 20
    public static let GiB: UInt64 = 1 << 30
    public static let fsUUID = "11111111-2222-4333-8444-555555555555"
    public static let oldUUID = "99999999-8888-4777-8666-555555555555"

    /// A whole-disk claim and the boot that mounts it; a volatile boot.
    public static let claimActions: [Step.Action] = [
        .recordClaim, .wipeSignatures, .writePartitionTable, .ensurePartitionNode, .makeFilesystem,
        .verifyFilesystem, .completeClaim, .mount, .makeDirectories,
        .mountOverlay, .mountOverlay, .mountOverlay,
    ]
    public static let volatileActions: [Step.Action] = [.mountTmpfs, .makeDirectories, .mountOverlay, .mountOverlay, .mountOverlay]

    public static let policy = Policy(
        root: "/", filesystemUUID: fsUUID, partitionUUID: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
        diskUUID: "12345678-1234-4234-8234-123456789abc")

    public static func disk(_ path: String, size: UInt64 = 16 * GiB, magic: MagicMatch = .absent, claim: String? = nil) -> Disk {
        Disk(path: path, size: size, header: BootArea(magic: magic, claim: claim.map(ClaimRecord.init(filesystemUUID:))))
    }

    public static func ext4(label: String = Policy.dataLabel, uuid: String = oldUUID, valid: Bool = true, errors: Bool = false) -> Filesystem {
        Filesystem(
            type: "ext4", label: label, uuid: uuid,
            ext: ExtState(valid: valid, hasErrors: errors, blockSize: 4096, blocks: 1000, freeBlocks: 900))
    }

    public static func part(
        _ n: Int, of disk: String, start: UInt64 = MiB, size: UInt64 = 8 * GiB, name: String? = nil,
        uuid: String? = nil, fs: Filesystem? = nil, mounted: [String] = []
    ) -> Partition {
        Partition(
            number: n, path: PartitionRef.nodePath(disk: disk, number: n), start: start, size: size, name: name,
            typeGUID: GPTLayout.linuxFilesystemType, uuid: uuid, filesystem: fs, mountPoints: mounted)
    }

    /// A disk whose partition 1 is a good `lightwhale-data` ext4, as a claim leaves it.
    public static func dataDisk(_ path: String, uuid: String = oldUUID, removable: Bool = false) -> Disk {
        var d = gpt(disk(path), [part(1, of: path, name: Policy.dataPartitionName, fs: ext4(uuid: uuid))])
        d.removable = removable
        return d
    }

    public static func gpt(_ d: Disk, _ parts: [Partition]) -> Disk {
        var d = d
        d.partitionTable = PartitionTable(type: "gpt")
        d.partitions = parts
        return d
    }

    public static func plan(_ disks: [Disk], mounts: [MountEntry] = [], policy: Policy = policy) -> ClaimPlan {
        Planner.plan(Inventory(disks: disks, mounts: mounts), policy: policy)
    }
}

extension ClaimPlan {
    public var actions: [Step.Action] { steps.map(\.action) }
    /// Every device a disk-writing step names.
    public var writtenDevices: Set<String> { Set(steps.filter(\.writesDisk).compactMap(\.device)) }
    public func reason(for device: String) -> SkipReason? { skipped.first { $0.device == device }?.reason }
}
