/// The GPT a whole-disk claim writes: one Linux-filesystem partition, 1 MiB aligned at both
/// ends, spanning what the GPT leaves usable.
public enum Layout {
    public static let alignment: UInt64 = 1 << 20
    /// 128 entries of 128 bytes: the size every GPT tool reserves for the entry array.
    static let entryArrayBytes: UInt64 = 128 * 128

    public static func dataPartition(diskSize: UInt64, sectorSize: UInt32, policy: Policy) -> GPTLayout? {
        let ss = UInt64(sectorSize)
        guard ss >= 512, diskSize % ss == 0 || diskSize > ss else { return nil }
        let totalSectors = diskSize / ss
        let grain = alignment / ss
        let entrySectors = (entryArrayBytes + ss - 1) / ss
        // Backup entries and backup header sit at the end of the disk.
        guard totalSectors > 2 + 2 * entrySectors + grain else { return nil }
        let lastUsable = totalSectors - 2 - entrySectors
        let first = grain
        let sectors = ((lastUsable + 1 - first) / grain) * grain
        guard sectors > 0 else { return nil }
        return GPTLayout(
            sectorSize: sectorSize, firstSector: first, sectors: sectors, name: Policy.dataPartitionName,
            typeGUID: GPTLayout.linuxFilesystemType, partitionUUID: policy.partitionUUID, diskUUID: policy.diskUUID)
    }
}
