/// What each disk is to Lightwhale, for `lwctl devices`.
public enum DeviceRole: String, Sendable, Codable {
    case boot
    case data
    case pendingClaim = "pending claim"
    /// A partition named `lightwhale-data` without its file system: the claim degrades the boot.
    case damagedData = "damaged data"
    case other
}

public enum Roles {
    public static func role(of disk: Disk, inventory: Inventory, policy: Policy) -> DeviceRole {
        let mountPoints = disk.mountPoints + disk.partitions.flatMap(\.mountPoints)
        if Protection.bootLabel(of: disk) != nil || mountPoints.contains(Paths.join(policy.root, "")) { return .boot }
        if mountPoints.contains(policy.dataMountPoint) { return .data }
        // Pending only if the claim would really go ahead: a protected disk's header licenses nothing.
        if disk.header.magic.isExact && Protection.reasons(for: disk, policy: policy).isEmpty { return .pendingClaim }
        if disk.partitions.contains(where: {
            $0.name == MagicHeader.partitionName && Protection.reasons(for: $0, on: disk, policy: policy).isEmpty
        }) {
            return .pendingClaim
        }
        let systems = [disk.filesystem] + disk.partitions.map(\.filesystem)
        if systems.contains(where: { $0?.label == Policy.dataLabel && $0?.type == "ext4" }) { return .data }
        if disk.partitions.contains(where: { $0.name == Policy.dataPartitionName }) { return .damagedData }
        return .other
    }

    /// Why `lwctl enable` must refuse this disk; empty when it may write the magic.
    public static func enableRefusals(for disk: Disk, policy: Policy) -> [Refusal] {
        Protection.reasons(for: disk, policy: policy)
    }

    /// Why `lwctl enable` wants `--force` for this disk: it holds Lightwhale's data (a
    /// `lightwhale-data` file system, or a partition of that name, damaged or not), which the
    /// claim would erase. Nil when nothing of the kind is on it.
    public static func enableNeedsForce(for disk: Disk) -> String? {
        var holders: [String] = []
        if disk.filesystem?.label == Policy.dataLabel { holders.append(disk.path) }
        for p in disk.partitions where p.name == Policy.dataPartitionName || p.filesystem?.label == Policy.dataLabel {
            holders.append(p.path ?? PartitionRef.nodePath(disk: disk.path, number: p.number) ?? "\(disk.path)#\(p.number)")
        }
        guard !holders.isEmpty else { return nil }
        return "it holds Lightwhale's data (\(Policy.dataLabel) on \(holders.joined(separator: ", "))), damaged or not, which the next boot would erase"
    }
}
