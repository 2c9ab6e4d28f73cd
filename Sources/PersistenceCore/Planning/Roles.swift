/// What each disk is to Lightwhale, for `lwctl devices`.
public enum DeviceRole: String, Sendable, Codable {
    case boot
    case data
    case pendingClaim = "pending claim"
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
        return .other
    }

    /// Why `lwctl enable` must refuse this disk; empty when it may write the magic.
    public static func enableRefusals(for disk: Disk, policy: Policy) -> [Refusal] {
        Protection.reasons(for: disk, policy: policy)
    }
}
