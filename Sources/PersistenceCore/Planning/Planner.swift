/// The rules of persistence (README.md's I1–I7) as one pure function: inventory + policy → plan.
///
/// Decision, in this order:
/// 1. Already mounted at `<root>/mnt/lightwhale-data` this boot: only add missing overlays (I5).
/// 2. Exactly one usable `lightwhale-data` ext4 (not on a disk whose magic licenses erasing it):
///    check and mount it. Magic disks and `lightwhale-please-format-me` partitions wait (I3).
/// 3. Two or more data file systems (usable or not, on any bus: which one holds the owner's data
///    would be a guess), or one that cannot be used as is: damaged (a partition named
///    `lightwhale-data` whose file system cannot be read) or protected by I4 (mounted elsewhere,
///    held by RAID/LVM/dm, on a read-only disk or the boot medium, in a crafted table): degraded,
///    touching nothing (I7), password logins refused. Never volatile: the owner's data exists, and
///    a volatile boot would be more open than the owner left the system.
/// 4. Otherwise claim one candidate: a whole disk with the exact magic header at byte 0, or a GPT
///    partition named `lightwhale-please-format-me`. Several: a claim already under way first
///    (it carries our record), then whole disks before partitions, then by device name (I6).
/// 5. Nothing: a tmpfs, volatile.
/// Every device not used is listed in `skipped` with its reason. When a plan that uses an existing
/// data file system fails, `fallback(after:)` degrades it rather than boot volatile and open.
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

        switch (survey.data.count, survey.unusable.count) {
        case (1, 0):
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
        case (0, 0):
            break
        case (let n, let m) where n + m > 1:
            let reason = SkipReason.severalDataFileSystems(survey.data.map(\.device) + survey.unusable)
            let all = survey.data.map { Skip(device: $0.device, reason: reason) }
                + survey.claims.map { Skip(device: $0.device, reason: reason) }
            return degraded(
                decision: "degraded: \(reason)", readOnly: nil, skipped: survey.skipped + all, policy: policy)
        default:
            return unusableAlone(survey, policy: policy)
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

    /// The owner's one data file system, damaged or protected by I4: degraded, nothing of it
    /// mounted, password logins refused. Not volatile: a volatile boot would bring back the image's
    /// published password where the owner had set their own. Claims wait, so that no new disk
    /// takes the owner's place unseen.
    static func unusableAlone(_ survey: Survey, policy: Policy) -> ClaimPlan {
        let device = survey.unusable[0]
        let waiting = survey.claims.map { Skip(device: $0.device, reason: .dataAlreadyPresent(on: device)) }
        let decision =
            if let p = survey.protected.first {
                "degraded: \(p.device) holds a \(Policy.dataLabel) file system, but it is not used because \(p.refusals.sentence); none of it is mounted this boot: make it usable (or detach it) and reboot"
            } else {
                "degraded: \(device) is the data partition (named \(Policy.dataPartitionName)), but holds no file system that can be read; it is not used: repair it (e2fsck), or detach it, and reboot"
            }
        return degraded(decision: decision, readOnly: nil, skipped: survey.skipped + waiting, policy: policy)
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

    /// The plan that runs when `plan` failed at `failed` (`why`: the whole story, which the report
    /// keeps; the decision names only the step): a plan that used an existing data file system
    /// degrades (that file system read-only beneath a tmpfs, and if even that fails, password
    /// logins refused); a claim becomes volatile, as nothing of the owner's is on its disk. Nil
    /// when `plan` was the last resort (volatile, or degraded with password logins refused).
    public static func fallback(after plan: ClaimPlan, failed: Step.Action, why: String, policy: Policy) -> ClaimPlan? {
        let skipped = plan.skipped
        switch plan.mode {
        case .volatile:
            return nil
        case .degraded:
            guard plan.steps.contains(where: { $0.action == .mountReadOnly }) else { return nil }
            return degraded(
                decision: "degraded: the data file system on \(plan.dataDevice ?? "?") cannot be used, not even read-only (\(failed) failed); it is not used",
                readOnly: nil, skipped: skipped, policy: policy)
        case .persistent:
            break
        }
        let existing = plan.steps.lazy.compactMap { step -> (PartitionRef?, String)? in
            if case .checkFilesystem(let p, let d) = step { return (p, d) }
            return nil
        }.first
        guard let (partition, device) = existing else {
            return volatile(decision: "volatile: " + why, skipped: skipped, policy: policy)
        }
        return degraded(
            decision: "degraded: the data file system on \(device) is not used as is (\(failed) failed); it is mounted read-only beneath a tmpfs: its /etc and /home apply, and changes are lost at reboot",
            readOnly: DataCandidate(device: device, partition: partition), skipped: skipped, policy: policy)
    }

    /// A tmpfs, as a volatile boot has, but no more open than the owner left the system: with
    /// `readOnly` (a data file system that may still mount read-only), its overlays' upper layers
    /// lie beneath the tmpfs ones, so the owner's users, keys and sshd settings apply; without,
    /// password logins over SSH are refused: the image's password is published, and the owner's
    /// keys are on the disk that cannot be read, so SSH stays shut until someone at the console
    /// repairs or detaches it.
    static func degraded(decision: String, readOnly: DataCandidate?, skipped: [Skip], policy: Policy) -> ClaimPlan {
        guard policy.mount else { return ClaimPlan(mode: .degraded, decision: decision, steps: [], skipped: skipped) }
        var steps: [Step] = [.mountTmpfs(target: policy.dataMountPoint)]
        if let data = readOnly {
            if let p = data.partition { steps.append(.ensurePartitionNode(partition: p)) }
            steps += [
                .makeDirectories([policy.readOnlyDataMountPoint]),
                .mountReadOnly(partition: data.partition, device: data.device, target: policy.readOnlyDataMountPoint),
            ]
        }
        let overlays = policy.overlays(readOnlyBeneath: readOnly != nil)
        steps.append(.makeDirectories(directories(for: overlays, policy: policy)))
        steps += overlays.map(Step.mountOverlay)
        if readOnly == nil { steps.append(.refusePasswordLogins(path: policy.passwordLockPath)) }
        return ClaimPlan(mode: .degraded, decision: decision, dataDevice: readOnly?.device, steps: steps, skipped: skipped)
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
