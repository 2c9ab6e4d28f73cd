import PersistenceKit

/// The rules a plan must keep whatever the disk says, stated again from README.md's I1, I4 and
/// I6 rather than from the planner's code, so that a mistake in one is caught by the other. A
/// broken rule stops the process (a finding, like a crash) with what was broken.
enum Oracle {
    static func fail(_ rule: String) -> Never {
        fatalError("lwfuzz: broken rule: \(rule)")
    }

    static func check(_ plan: ClaimPlan, inventory: Inventory, head: [UInt8], policy: Policy) {
        guard inventory.disks.count == 1 else { fail("one image, \(inventory.disks.count) disks") }
        let disk = inventory.disks[0]
        let named = disk.path
        func names(_ device: String?) -> Bool { device == named || device?.hasPrefix(named + "#") == true }

        let actions = Set(plan.steps.map(\.action))
        let wholeDisk = !actions.isDisjoint(with: [.recordClaim, .writePartitionTable, .completeClaim])
        let partitionClaim = plan.steps.compactMap { step -> PartitionRef? in
            switch step {
            case .markPartition(let p, _), .completePartitionClaim(let p, _, _): p
            default: nil
            }
        }
        if wholeDisk && !partitionClaim.isEmpty { fail("I6: a whole-disk claim and a partition claim in one plan") }
        if wholeDisk {
            // I1: the exact header at byte 0, as the input wrote it (not as the probe read it).
            guard head.starts(with: MagicHeader.bytes) else { fail("I1: a whole-disk claim of a disk without the magic at byte 0") }
            let refusals = Roles.enableRefusals(for: disk, policy: policy)
            guard refusals.isEmpty else { fail("I4: a whole-disk claim of a protected disk: \(refusals)") }
        }
        if let ref = partitionClaim.first {
            guard partitionClaim.allSatisfy({ $0 == ref }) else { fail("I6: two partitions claimed") }
            checkPartitionClaim(ref, on: disk, plan: plan, policy: policy)
        }
        for step in plan.steps where step.writesDisk {
            guard names(step.device) else { fail("a step writes \(step.device ?? "nothing"), not the image") }
        }
        let accounted = names(plan.dataDevice) || plan.steps.contains { names($0.device) } || plan.skipped.contains { names($0.device) }
        guard accounted else { fail("I6: the disk is neither used nor skipped with a reason") }
    }

    /// I1 and I4 for a GPT partition named `lightwhale-please-format-me`.
    static func checkPartitionClaim(_ ref: PartitionRef, on disk: Disk, plan: ClaimPlan, policy: Policy) {
        guard let p = disk.partitions.first(where: { $0.number == ref.number && $0.start == ref.region.offset && $0.size == ref.region.size })
        else { fail("I1: a partition claim of a partition the probe did not find: \(ref)") }
        guard p.name == MagicHeader.partitionName else { fail("I1: a partition claim of a partition named \(p.name ?? "nothing")") }
        guard disk.partitionTable?.type == "gpt" else { fail("I4: a partition claim in a \(disk.partitionTable?.type ?? "missing") table") }
        if let h = disk.partitionTable?.gptHeader, h.entries > 256 || h.entrySize != 128 { fail("I4: a claim in a crafted GPT \(h)") }
        guard (1...255).contains(p.number) else { fail("I4: a claim of partition number \(p.number)") }
        guard p.size >= policy.minimumSize, p.size <= disk.size, p.start <= disk.size - p.size else {
            fail("I4: a claim of a partition of \(p.size) bytes at \(p.start) on a disk of \(disk.size)")
        }
        for o in disk.partitions where o.number != p.number {
            // Overflow-free: a partition that wraps around is past the end, refused above or here.
            let oEnd = o.start.addingReportingOverflow(o.size)
            if oEnd.overflow || (o.start < p.start + p.size && p.start < oEnd.partialValue) {
                fail("I4: the claimed partition \(p.number) overlaps partition \(o.number)")
            }
        }
        for case .wipeSignatures(_, let regions) in plan.steps where regions != [ref.region] {
            fail("a partition claim erases \(regions), not only its partition")
        }
    }

    /// What a person reads: `printable` leaves no control character, no bidirectional override.
    static func readable(_ text: String) {
        for s in text.printable().unicodeScalars {
            let v = s.value
            if v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                fail("U+\(String(v, radix: 16)) left in what a person reads: \(text.printable().debugDescription)")
            }
        }
    }

    /// `lwctl status` reads back the report `claim` saved: it must come back whole.
    static func roundTrips(_ report: ClaimReport) {
        do {
            let bytes = try ReportFile.encode(report)
            guard try ReportFile.decode(ClaimReport.self, from: bytes) == report else { fail("the saved report reads back different") }
        } catch {
            fail("the report does not encode and decode: \(error)")
        }
        readable(report.decision)
        report.skipped.forEach { readable("\($0.device) \($0.reason)") }
        report.steps.forEach { readable($0.summary) }
        report.fallback.map { readable($0) }
    }
}
