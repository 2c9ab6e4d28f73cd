/// The disk a restore makes: the claim's GPT and ext4, but under names no boot takes for data
/// until the archive is written and checked; only then are they renamed. So a restore cut short
/// (a bad archive, a power cut) leaves a disk that is ignored, never a half-filled data disk.
public enum Restoring {
    public static let partitionName = "lightwhale-restoring"
    /// ext4 labels hold 16 bytes.
    public static let label = "lw-restoring"

    /// Erase, partition, format and mount `disk` at `target`; nil when it is too small for the layout.
    public static func steps(for disk: Disk, policy: Policy, target: String) -> (steps: [Step], partition: PartitionRef)? {
        guard var layout = Layout.dataPartition(diskSize: disk.size, sectorSize: disk.logicalSectorSize, policy: policy) else { return nil }
        layout.name = partitionName
        let ref = PartitionRef(disk: disk.path, number: 1, region: layout.region)
        let regions = [Region(offset: 0, size: disk.size)] + disk.partitions.map { Region(offset: $0.start, size: $0.size) }
        let uuid = policy.filesystemUUID
        return (
            [
                .wipeSignatures(disk: disk.path, regions: regions),
                .writePartitionTable(disk: disk.path, layout: layout),
                // A magic header (an enabled disk) would have the next boot erase the restore.
                .completeClaim(disk: disk.path),
                .ensurePartitionNode(partition: ref),
                .makeFilesystem(partition: ref, label: label, uuid: uuid),
                .verifyFilesystem(partition: ref, label: label, uuid: uuid),
                .makeDirectories([target]),
                .mountFilesystem(partition: ref, device: ref.displayName, target: target, type: "ext4"),
            ], ref
        )
    }

    /// Once the file system holds the checked archive, is unmounted and labelled lightwhale-data
    /// (the shell's step; a disk cut off right after it is whole, and its label makes it data):
    /// the partition takes the data name.
    public static func finishing(_ partition: PartitionRef, policy: Policy) -> Step {
        .completePartitionClaim(partition: partition, name: Policy.dataPartitionName, uuid: policy.partitionUUID)
    }
}
