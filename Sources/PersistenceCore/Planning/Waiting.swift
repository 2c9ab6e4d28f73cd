/// Whether waiting for a device can change a plan: `lwctl claim --wait` (the boot parameter
/// `lightwhale.wait=`) probes again only while nothing at all was found. A disk that was found and
/// refused, a data file system, or a tmpfs already mounted this boot would give the same plan
/// however long it waited.
extension Planner {
    public static func awaitsDevice(_ plan: ClaimPlan, inventory: Inventory, policy: Policy) -> Bool {
        plan.mode == .volatile
            && !inventory.mounts.contains { $0.mountPoint == policy.dataMountPoint }
            && !inventory.disks.contains { $0.header.magic.isExact }
    }
}
