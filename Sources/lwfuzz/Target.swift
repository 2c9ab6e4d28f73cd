#if canImport(Glibc)
import Glibc
#endif
import PersistenceKit
import Updating

/// One input through everything that reads a disk at boot or for `lwctl devices`/`status`: the
/// probe (libblkid, libext2fs, our header and GPT parsers), the planner with and without
/// mounting, the claim's disk steps for real on the image (libblkid's wipe, libfdisk), the
/// runner's dry run and its fallback after a failure at each step, the saved report read back,
/// the status, the roles, and the sentences a person reads. A crash, a trap (overflow, index out
/// of range) or an address-sanitizer report anywhere there is a finding; so is a broken rule
/// (`Oracle`), since a plan that writes an unlicensed disk is worse than a crash.
enum Target {
    /// Fixed UUIDs: the same input gives the same plan, so a finding replays exactly.
    static let policy = Policy(
        root: "/", filesystemUUID: "8f0e4a9c-0d1b-4c55-9a41-2f6e7d3b1c01",
        partitionUUID: "8f0e4a9c-0d1b-4c55-9a41-2f6e7d3b1c02", diskUUID: "8f0e4a9c-0d1b-4c55-9a41-2f6e7d3b1c03")

    /// The machine's own mounts and swaps must not change what an image means.
    static let prober: Prober = {
        var p = Prober()
        p.mountinfo = "/dev/null"
        p.swaps = "/dev/null"
        return p
    }()

    static func run(_ input: DiskInput, on scratch: Scratch) {
        input.write(to: scratch.fd)
        readAsImage(input, on: scratch)
        let head = input.head
        let inventory: Inventory
        do {
            inventory = try prober.inventory(devices: [scratch.path])
        } catch {
            // What `lwctl devices` prints for a disk it cannot read.
            Oracle.readable("\(error)")
            return
        }
        // The probe's own facts, against the input: the size, and the header judged byte-exact.
        guard let disk = inventory.disks.first, disk.size == input.size else { Oracle.fail("the probe saw another size than \(input.size)") }
        if disk.header.magic.isExact != head.starts(with: MagicHeader.bytes) { Oracle.fail("I1: the probe misjudged the header") }
        // Text the disk's author wrote, as `lwctl devices` and the boot log show it.
        for fs in [disk.filesystem] + disk.partitions.map(\.filesystem) { fs?.label.map(Oracle.readable) }
        disk.partitions.forEach { $0.name.map(Oracle.readable) }

        var policy = Self.policy
        policy.mount = false
        Oracle.check(Planner.plan(inventory, policy: policy), inventory: inventory, head: head, policy: policy)
        policy.mount = true
        let plan = Planner.plan(inventory, policy: policy)
        Oracle.check(plan, inventory: inventory, head: head, policy: policy)
        _ = Roles.role(of: disk, inventory: inventory, policy: policy)
        Roles.enableRefusals(for: disk, policy: policy).forEach { Oracle.readable($0.description) }
        Roles.enableNeedsForce(for: disk).map(Oracle.readable)

        claim(plan, before: disk, on: scratch)

        let clock = ClaimClock(now: { 1_767_225_600 }, milliseconds: { 0 })
        let report = ClaimRunner(executor: DryRunExecutor(), dryRun: true, clock: clock).run(plan, policy: policy)
        Oracle.roundTrips(report)
        Oracle.readable(status(report, policy: policy).reason.description)
        // A failure at each step: the fallback plan, and what its report says had been written.
        for failing in plan.steps.indices {
            var seen = 0
            let executor = RecordingExecutor { _ in
                defer { seen += 1 }
                return seen == failing ? SystemError("run", "step \(failing)", "injected by lwfuzz") : nil
            }
            let fell = ClaimRunner(executor: executor, clock: clock).run(plan, policy: policy)
            Oracle.readable(fell.decision)
            fell.fallback.map(Oracle.readable)
            if failing == plan.steps.count - 1 { Oracle.readable(status(fell, policy: policy).reason.description) }
        }
    }

    /// The steps of a claim that only read and write the disk, run for real on the image by the
    /// executor `lwctl claim` uses: libblkid erasing signatures inside the old, hostile partitions,
    /// libfdisk writing a new table or renaming a partition in the crafted one. (Formatting and
    /// everything after it run programs or mount: not per input.) A step may fail, as on a real
    /// disk; a crash may not, nor may the licence go before the claim's last write (I2), nor may
    /// the table come out other than asked: the one new partition, or the claimed one renamed and
    /// every sibling as it was.
    static let diskSteps: Set<Step.Action> = [
        .recordClaim, .wipeSignatures, .writePartitionTable, .markPartition, .ensurePartitionNode, .completeClaim,
        .completePartitionClaim,
    ]

    /// Returns each step run and how it ended, for `lwfuzz --show`.
    @discardableResult
    static func claim(_ plan: ClaimPlan, before: Disk, on scratch: Scratch) -> [String] {
        let executor = SystemExecutor()
        let wholeDisk = plan.steps.contains { $0.action == .recordClaim }
        var outcomes: [String] = []
        for step in plan.steps.prefix(while: { diskSteps.contains($0.action) }) {
            do {
                try executor.run(step)
                outcomes.append("\(step.action): done")
            } catch {
                outcomes.append("\(step.action): failed: \(error)")
                return outcomes
            }
            let head = Checksums.read(scratch.fd, at: 0, count: MagicHeader.bootCodeLength)
            switch step {
            case .completeClaim:
                if head.contains(where: { $0 != 0 }) { Oracle.fail("I2: the completed claim left bytes in the boot-code area") }
            case _ where wholeDisk:
                if !head.starts(with: MagicHeader.bytes) { Oracle.fail("I2: the magic header went before \(step.action), not at the claim's last write") }
                if case .writePartitionTable(_, let layout) = step {
                    let p = reprobe(scratch).partitions
                    if p.count != 1 || p[0].number != 1 || p[0].name != Policy.dataPartitionName || p[0].start != layout.region.offset
                        || p[0].size != layout.region.size
                    {
                        Oracle.fail("the new table is not the one partition asked for: \(p.map { "\($0.number) \($0.start)+\($0.size)" })")
                    }
                }
            case .markPartition(let ref, let uuid), .completePartitionClaim(let ref, _, let uuid):
                let name = step.action == .markPartition ? MagicHeader.partitionName : Policy.dataPartitionName
                let expected = before.partitions.map { p in
                    var e = p
                    if p.number == ref.number { (e.name, e.uuid) = (name, uuid.lowercased()) }
                    return e
                }
                let after = reprobe(scratch).partitions
                if after.map(\.entry) != expected.map(\.entry) {
                    Oracle.fail("\(step.action) changed more of the table than the claimed partition: \(expected.map(\.entry)) became \(after.map(\.entry))")
                }
            default:
                break
            }
        }
        return outcomes
    }

    static func reprobe(_ scratch: Scratch) -> Disk {
        guard let disk = try? prober.inventory(devices: [scratch.path]).disks.first else { Oracle.fail("the disk cannot be probed after a write") }
        return disk
    }

    /// What `lwctl status` would say after this report, with its mode's mount in place.
    static func status(_ report: ClaimReport, policy: Policy) -> SystemStatus {
        let type = report.mode == .persistent ? "ext4" : "tmpfs"
        let data = MountEntry(deviceNumber: "0:40", mountPoint: policy.dataMountPoint, type: type, source: report.dataDevice ?? "tmpfs")
        return SystemStatus.derive(policy: policy, mounts: [data], report: report, usage: nil, dockerDataRoot: nil)
    }
}

extension Partition {
    /// What a table entry says (not what is inside the partition).
    var entry: String { "\(number) \(start)+\(size) \(name.debugDescription) \(typeGUID ?? "-") \(uuid ?? "-")" }
}

extension DiskInput {
    /// LBA 0 as written, straight from the input: what the rules judge, read without the probe.
    var head: [UInt8] {
        var sector = [UInt8](repeating: 0, count: Int(min(Self.sector, size)))
        for p in pieces where p.offset < UInt64(sector.count) {
            for (i, b) in p.bytes.prefix(sector.count - Int(p.offset)).enumerated() { sector[Int(p.offset) + i] = b }
        }
        return sector
    }
}

extension Target {
    /// `lwctl update` reads a downloaded ISO before its signature is checked: every file it looks
    /// for, found or refused, and a found one lies within the image.
    static func readAsImage(_ input: DiskInput, on scratch: Scratch) {
        let read: ISO9660.Read = { offset, count in Checksums.read(scratch.fd, at: offset, count: count) }
        guard let iso = try? ISO9660(size: input.size, read: read) else { return }
        for path in ["lightwhale/manifest.json", "lightwhale/manifest.sig"] + UpdateManifest.requiredFiles {
            guard let entry = try? iso.find(path) else { continue }
            if entry.offset + entry.size > input.size { Oracle.fail("the ISO reader gave \(path) past the end of the image") }
            Oracle.readable(entry.name)
        }
    }
}
