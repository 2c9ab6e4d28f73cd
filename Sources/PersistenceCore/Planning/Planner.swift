/// The rules of persistence (README.md's I1–I7) as one pure function: inventory + policy → plan.
///
/// Decision, in this order:
/// 1. Already mounted at `<root>/mnt/lightwhale-data` this boot: only add missing overlays (I5).
/// 2. Exactly one usable `lightwhale-data` ext4 (not on a disk whose magic licenses erasing it):
///    check and mount it. Magic disks and `lightwhale-please-format-me` partitions wait (I3).
/// 3. Two or more such file systems: ambiguous, so volatile, touching nothing (I7).
/// 4. Otherwise claim one candidate: a whole disk with the exact magic header at byte 0, or a GPT
///    partition named `lightwhale-please-format-me`. Several: a claim already under way first
///    (it carries our record), then whole disks before partitions, then by device name (I6).
/// 5. Nothing: a tmpfs, volatile.
/// Every device not used is listed in `skipped` with its reason.
public enum Planner {
    public static func plan(_ inventory: Inventory, policy: Policy) -> ClaimPlan {
        let disks = inventory.disks.sorted { Naming.naturalLess($0.path, $1.path) }
        let dataMount = policy.dataMountPoint

        if let active = inventory.mounts.last(where: { $0.mountPoint == dataMount }) {
            return alreadyActive(active, inventory: inventory, disks: disks, policy: policy)
        }

        var survey = Survey()
        survey.skipped = inventory.unreadable
        for disk in disks { survey.classify(disk, policy: policy) }

        switch survey.data.count {
        case 1:
            let data = survey.data[0]
            let waiting = survey.claims.map {
                Skip(device: $0.device, reason: .dataAlreadyPresent(on: data.device))
            }
            return ClaimPlan(
                mode: .persistent,
                decision: policy.mount
                    ? "mount the data file system on \(data.device)"
                    : "the data file system on \(data.device) is complete; nothing to do (not mounting)",
                dataDevice: data.device,
                steps: policy.mount ? mountSteps(device: data.device, partition: data.partition, policy: policy) : [],
                skipped: survey.skipped + waiting)
        case 2...:
            let reason = SkipReason.severalDataFileSystems(survey.data.map(\.device))
            let all = survey.data.map { Skip(device: $0.device, reason: reason) }
                + survey.claims.map { Skip(device: $0.device, reason: reason) }
            return volatile(decision: "volatile: \(reason)", skipped: survey.skipped + all, policy: policy)
        default:
            break
        }

        let ordered = survey.claims.sorted(by: Claim.precedes)
        guard let chosen = ordered.first else {
            let refused = disks.contains { $0.header.magic.isExact }
            return volatile(
                decision: refused
                    ? "volatile: a disk carries the magic header but must not be written (see why it was skipped)"
                    : "volatile: no persistence device (no disk carries the magic header, no lightwhale-data file system)",
                skipped: survey.skipped, policy: policy)
        }
        let others = ordered.dropFirst().map {
            Skip(device: $0.device, reason: .anotherClaimFirst(chosen.device))
        }
        return ClaimPlan(
            mode: .persistent, decision: chosen.decision, dataDevice: chosen.dataDevice,
            steps: chosen.steps
                + (policy.mount ? mountSteps(device: chosen.dataDevice, partition: chosen.partition, policy: policy, justMade: chosen.steps.contains { $0.action == .makeFilesystem }) : []),
            skipped: survey.skipped + others)
    }

    static func alreadyActive(_ active: MountEntry, inventory: Inventory, disks: [Disk], policy: Policy) -> ClaimPlan {
        let mounted = Set(inventory.mounts.filter { $0.type == "overlay" }.map(\.mountPoint))
        let missing = policy.overlays.filter { !mounted.contains($0.target) }
        var steps: [Step] = []
        if !missing.isEmpty {
            steps.append(.makeDirectories(directories(for: missing, policy: policy)))
            steps += missing.map(Step.mountOverlay)
        }
        let mode: Mode = active.type == "tmpfs" ? .volatile : .persistent
        let skipped = disks.filter { $0.header.magic.isExact }.map {
            Skip(device: $0.path, reason: .alreadySetUp(mountPoint: policy.dataMountPoint))
        }
        return ClaimPlan(
            mode: mode,
            decision: "already set up this boot: \(active.source) (\(active.type)) at \(active.mountPoint)"
                + (missing.isEmpty ? "; nothing to do" : "; adding missing overlays"),
            dataDevice: mode == .persistent ? active.source : nil, steps: steps, skipped: skipped)
    }

    /// The tmpfs and the same overlays: nothing persists, nothing is written (I7's fallback too).
    public static func volatile(decision: String, skipped: [Skip], policy: Policy) -> ClaimPlan {
        let steps: [Step] =
            policy.mount
            ? [.mountTmpfs(target: policy.dataMountPoint), .makeDirectories(directories(for: policy.overlays, policy: policy))]
                + policy.overlays.map(Step.mountOverlay)
            : []
        return ClaimPlan(mode: .volatile, decision: decision, steps: steps, skipped: skipped)
    }

    /// `justMade`: the claim just made and verified the file system (and its node), so neither
    /// needs doing again; every other path checks it with e2fsck -p before mounting.
    static func mountSteps(device: String, partition: PartitionRef?, policy: Policy, justMade: Bool = false) -> [Step] {
        var steps: [Step] = []
        if let partition, !justMade { steps.append(.ensurePartitionNode(partition: partition)) }
        if !justMade { steps.append(.checkFilesystem(partition: partition, device: device)) }
        steps += [
            .mountFilesystem(partition: partition, device: device, target: policy.dataMountPoint, type: "ext4"),
            .makeDirectories(directories(for: policy.overlays, policy: policy)),
        ]
        return steps + policy.overlays.map(Step.mountOverlay)
    }

    static func directories(for overlays: [OverlaySpec], policy: Policy) -> [String] {
        overlays.flatMap { [$0.upper, $0.work] } + [policy.dockerDataRoot]
    }
}

/// A device the planner could claim, with the steps that would claim it.
struct Claim {
    var device: String
    var dataDevice: String
    var partition: PartitionRef
    var resuming: Bool
    var wholeDisk: Bool
    var decision: String
    var steps: [Step]

    static func precedes(_ a: Claim, _ b: Claim) -> Bool {
        if a.resuming != b.resuming { return a.resuming }
        if a.wholeDisk != b.wholeDisk { return a.wholeDisk }
        return Naming.naturalLess(a.device, b.device)
    }
}

/// A data file system the planner could mount.
struct DataCandidate {
    var device: String
    var partition: PartitionRef?
}
