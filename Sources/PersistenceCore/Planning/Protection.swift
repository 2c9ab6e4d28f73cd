/// Invariant I4: the reasons a device must never be written, whatever it carries.
enum Protection {
    /// Why the whole disk must not be written, or nothing if it may be.
    static func reasons(for disk: Disk, policy: Policy) -> [Refusal] {
        var why: [Refusal] = []
        if let label = bootLabel(of: disk) { why.append(.bootMedium(label: label)) }
        let mounted = disk.mountPoints + disk.partitions.flatMap(\.mountPoints)
        if mounted.contains("/") { why.append(.holdsRoot) }
        if !mounted.isEmpty { why.append(.mounted(points: mounted)) }
        if disk.isSwap || disk.partitions.contains(where: \.isSwap) { why.append(.swap) }
        let holders = disk.holders + disk.partitions.flatMap(\.holders)
        if !holders.isEmpty { why.append(.held(by: holders)) }
        if disk.readOnly { why.append(.readOnly) }
        if disk.size < policy.minimumSize { why.append(.tooSmall(size: disk.size, minimum: policy.minimumSize)) }
        return why
    }

    /// Why one partition must not be formatted (its siblings may be in use; that is fine).
    static func reasons(for partition: Partition, on disk: Disk, policy: Policy) -> [Refusal] {
        var why: [Refusal] = []
        if let label = bootLabel(of: disk) { why.append(.onBootMedium(label: label)) }
        if !disk.mountPoints.isEmpty || !disk.holders.isEmpty || disk.isSwap { why.append(.diskInUse) }
        if !partition.mountPoints.isEmpty { why.append(.mounted(points: partition.mountPoints)) }
        if partition.isSwap { why.append(.swap) }
        if !partition.holders.isEmpty { why.append(.held(by: partition.holders)) }
        if disk.readOnly { why.append(.onReadOnlyDisk) }
        if partition.size < policy.minimumSize {
            why.append(.tooSmall(size: partition.size, minimum: policy.minimumSize))
        }
        if disk.partitionTable?.type != "gpt" { why.append(.notGPT) }
        // A crafted table: refused here, before a claim's first write, not by libfdisk or the
        // kernel after some of its steps have written.
        if let h = disk.partitionTable?.gptHeader, !h.isOrdinary { why.append(.craftedTable(h)) }
        if partition.number > 255 { why.append(.numberTooHigh(partition.number)) }
        if partition.start + partition.size > disk.size { why.append(.pastEnd) }
        for other in disk.partitions where other.number != partition.number
            && other.start < partition.start + partition.size && partition.start < other.start + other.size
        {
            why.append(.overlaps(partition: other.number))
        }
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
