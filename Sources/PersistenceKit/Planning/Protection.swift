/// Invariant I4: the reasons a device must never be written, whatever it carries.
enum Protection {
    /// Why the whole disk must not be written, or nothing if it may be.
    static func reasons(for disk: Disk, policy: Policy) -> [String] {
        var why: [String] = []
        if let label = bootLabel(of: disk) { why.append("it is a Lightwhale boot medium (label \(label))") }
        let mounted = disk.mountPoints + disk.partitions.flatMap(\.mountPoints)
        if mounted.contains("/") { why.append("it holds the running root file system") }
        if !mounted.isEmpty { why.append("it is mounted (\(mounted.joined(separator: ", ")))") }
        if disk.isSwap || disk.partitions.contains(where: \.isSwap) { why.append("it is in use as swap") }
        let holders = disk.holders + disk.partitions.flatMap(\.holders)
        if !holders.isEmpty { why.append("it is held by \(holders.joined(separator: ", ")) (RAID, LVM or dm)") }
        if disk.readOnly { why.append("it is read-only") }
        if disk.size < policy.minimumSize {
            why.append("it is too small (\(Bytes(disk.size)); at least \(Bytes(policy.minimumSize)) is needed)")
        }
        return why
    }

    /// Why one partition must not be formatted (its siblings may be in use; that is fine).
    static func reasons(for partition: Partition, on disk: Disk, policy: Policy) -> [String] {
        var why: [String] = []
        if let label = bootLabel(of: disk) { why.append("its disk is a Lightwhale boot medium (label \(label))") }
        if !disk.mountPoints.isEmpty || !disk.holders.isEmpty || disk.isSwap {
            why.append("its disk is in use as a whole")
        }
        if !partition.mountPoints.isEmpty {
            why.append("it is mounted (\(partition.mountPoints.joined(separator: ", ")))")
        }
        if partition.isSwap { why.append("it is in use as swap") }
        if !partition.holders.isEmpty { why.append("it is held by \(partition.holders.joined(separator: ", "))") }
        if disk.readOnly { why.append("its disk is read-only") }
        if partition.size < policy.minimumSize {
            why.append("it is too small (\(Bytes(partition.size)); at least \(Bytes(policy.minimumSize)) is needed)")
        }
        if disk.partitionTable?.type != "gpt" { why.append("its partition table is not a GPT") }
        return why
    }

    static func bootLabel(of disk: Disk) -> String? {
        let systems = [disk.filesystem] + disk.partitions.map(\.filesystem)
        return systems.compactMap { $0 }.first { fs in
            ["iso9660", "vfat", "udf"].contains(fs.type)
                && (fs.label ?? "").uppercased().hasPrefix(Policy.bootLabelPrefix)
        }?.label
    }
}
