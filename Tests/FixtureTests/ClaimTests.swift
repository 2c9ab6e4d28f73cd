// Real claims (`lwctl claim --no-mount`) on image files: what a claim leaves on the disk, that
// nothing stale survives, that a second claim does nothing, and that an interrupted claim is
// resumed (finished or redone) to a complete, e2fsck-clean lightwhale-data.

import Foundation
import TestSupport
import Testing

@Suite("real claims on image files")
struct ClaimTests {
    /// Magic disks, blank or written over used disks (old MBR, GPT, ext4, ISO, RAID, corrupt GPT).
    static let used: [String] = [
        "magic", "magic-newline", "magic-over-mbr", "magic-over-gpt", "magic-over-ext4", "magic-over-iso",
        "magic-over-raid", "corrupt-gpt-magic",
    ]

    @Test("a magic disk becomes one GPT partition with ext4 lightwhale-data; nothing old survives; once only (I5)", arguments: used)
    func claimWholeDisk(_ fixture: String) throws {
        try Sandbox.with { box in
            let image = try box.make(fixture)
            // What was there before: signatures on the whole disk and at each old partition's start.
            var oldOffsets: [UInt64] = [0]
            if let table = try Image.table(image) { oldOffsets += table.parts.map { $0.start * 512 } }
            var oldUUIDs: Set<String> = []
            for off in oldOffsets {
                if let u = try Image.probe(image, offset: off)["UUID"] { oldUUIDs.insert(u) }
            }
            if ["magic-over-mbr", "magic-over-gpt", "magic-over-ext4", "magic-over-iso", "magic-over-raid", "corrupt-gpt-magic"].contains(fixture) {
                #expect(!oldUUIDs.isEmpty, "the fixture should carry old signatures")
            }

            let r = try box.claim([image])
            #expect(r.ok == true && r.mode == "persistent", Comment(rawValue: r.summary))
            #expect(r.dataDevice == image + "#1")
            #expect(r.actions == Actions.wholeDiskClaim, "--no-mount claims and stops")
            #expect(r.steps.allSatisfy { $0.result == "done" }, Comment(rawValue: r.summary))
            let uuid = try expectClaimedWholeDisk(image)
            #expect(r.steps.first { $0.action == "make-filesystem" }?.summary.contains(uuid) == true)

            for off in oldOffsets where off != Image.MiB {
                let now = try Image.probe(image, offset: off)
                #expect(now["UUID"].map { !oldUUIDs.contains($0) } ?? true, "stale signature at \(off): \(now)")
                #expect(now["TYPE"] == nil, "stale \(now["TYPE"] ?? "") at \(off)")
            }
            for off in oldOffsets where off == Image.MiB {
                #expect(try Image.probe(image, offset: off)["UUID"] == uuid)
            }

            let saved = try Data(contentsOf: URL(fileURLWithPath: box.reportPath))
            let report = try JSONDecoder().decode(ClaimJSON.self, from: saved)
            #expect(report.actions == r.actions && report.dataDevice == r.dataDevice, "the saved report is the one printed")

            // I5: a second claim finds the finished data disk and does nothing.
            let sum = try Image.checksum(image)
            let again = try box.claim([image])
            #expect(again.actions.isEmpty && again.ok == true, Comment(rawValue: again.summary))
            #expect(again.dataDevice == image + "#1")
            #expect(try Image.checksum(image) == sum, "the second claim wrote the disk")
        }
    }

    @Test("a GPT partition named lightwhale-please-format-me: only it is formatted, the rest byte-identical")
    func namedPartition() throws {
        try Sandbox.with { box in
            let image = try box.make("named-partition")
            let before = try #require(try Image.table(image))
            #expect(before.parts.count == 3)
            let siblings = [before.parts[0], before.parts[2]]
            let sums = try siblings.map { try Image.checksum(image, offset: $0.start * 512, length: $0.size * 512) }
            let target = before.parts[1]
            #expect(target.name == Image.magic)
            let oldUUID = try #require(try Image.probe(image, offset: target.start * 512)["UUID"])

            let r = try box.claim([image])
            #expect(r.ok == true && r.dataDevice == image + "#2", Comment(rawValue: r.summary))
            #expect(r.actions == Actions.partitionClaim)

            let after = try #require(try Image.table(image))
            #expect(after.label == "gpt" && after.id == before.id, "the disk keeps its GPT and GUID")
            #expect(after.parts.count == 3)
            // Siblings: same entries, same bytes.
            #expect(after.parts[0] == before.parts[0] && after.parts[2] == before.parts[2])
            for (p, sum) in zip(siblings, sums) {
                #expect(try Image.checksum(image, offset: p.start * 512, length: p.size * 512) == sum, "partition \(p.name ?? "") changed")
            }
            // The claimed one: same place, renamed, new GUID, ext4 lightwhale-data, clean.
            let claimed = after.parts[1]
            #expect(claimed.start == target.start && claimed.size == target.size && claimed.type == target.type)
            #expect(claimed.name == "lightwhale-data")
            #expect(claimed.uuid != target.uuid)
            let fs = try Image.probe(image, offset: claimed.start * 512)
            #expect(fs["TYPE"] == "ext4" && fs["LABEL"] == "lightwhale-data", "\(fs)")
            #expect(fs["UUID"] != oldUUID, "the old file system in the partition must be replaced")
            let fsck = try Image.fsckClean(image, offset: claimed.start * 512)
            #expect(fsck.status == 0, Comment(rawValue: fsck.both))

            let sum = try Image.checksum(image)
            let again = try box.claim([image])
            #expect(again.actions.isEmpty && again.dataDevice == image + "#2", Comment(rawValue: again.summary))
            #expect(try Image.checksum(image) == sum)
        }
    }

    /// Steps a claim can be cut after, and whether the file system was complete by then.
    static let faults: [(action: String, filesystemDone: Bool)] = [
        ("record-claim", false), ("wipe-signatures", false), ("write-partition-table", false),
        ("ensure-partition-node", false), ("make-filesystem", true), ("verify-filesystem", true),
    ]

    @Test(
        "a claim cut after each step keeps its magic (I2) and is resumed to a complete lightwhale-data (I5); finished, never reformatted, once the file system is made (I3)",
        arguments: faults.map(\.action))
    func resumeAfterFault(_ action: String) throws {
        let filesystemDone = Self.faults.first { $0.action == action }!.filesystemDone
        try Sandbox.with { box in
            let image = try box.make("magic-over-gpt")
            try box.claimFault(image, after: action)

            // I2: the licence is still there, with the record of the file system under way.
            #expect(try Image.startsWithMagic(image), "the magic must survive until the claim is complete")
            let recorded = try #require(try Image.claimRecordUUID(image), "the claim record must be written before anything else")
            if filesystemDone {
                #expect(try Image.probe(image, offset: Image.MiB)["UUID"] == recorded)
            }

            let plan = try box.dryRun([image])
            #expect(
                plan.decision.hasPrefix((filesystemDone ? "finish" : "redo") + " the interrupted claim of \(image)"),
                Comment(rawValue: plan.summary))

            let r = try box.claim([image])
            #expect(r.ok == true && r.mode == "persistent", Comment(rawValue: r.summary))
            #expect(r.actions == (filesystemDone ? ["complete-claim"] : Actions.wholeDiskClaim), Comment(rawValue: r.summary))
            let uuid = try expectClaimedWholeDisk(image)
            if filesystemDone {
                #expect(uuid == recorded, "I3: the file system the interrupted claim made must be kept, not remade")
            } else {
                #expect(uuid != recorded, "an unfinished claim is redone with a new file system")
            }
            #expect(try Image.claimRecordUUID(image) == nil)

            let sum = try Image.checksum(image)
            #expect(try box.claim([image]).actions.isEmpty)
            #expect(try Image.checksum(image) == sum)
        }
    }

    static let partitionFaults: [(action: String, filesystemDone: Bool)] = [
        ("mark-partition", false), ("wipe-signatures", false), ("ensure-partition-node", false),
        ("make-filesystem", true), ("verify-filesystem", true),
    ]

    @Test(
        "a partition claim cut after each step is resumed; siblings stay byte-identical throughout; finished, not reformatted, once its file system is made",
        arguments: partitionFaults.map(\.action))
    func partitionResumeAfterFault(_ action: String) throws {
        let filesystemDone = Self.partitionFaults.first { $0.action == action }!.filesystemDone
        try Sandbox.with { box in
            let image = try box.make("named-partition")
            let before = try #require(try Image.table(image))
            let siblings = [before.parts[0], before.parts[2]]
            func siblingSums() throws -> [Int] {
                try siblings.map { try Image.checksum(image, offset: $0.start * 512, length: $0.size * 512) }
            }
            let sums = try siblingSums()
            let offset = before.parts[1].start * 512

            try box.claimFault(image, after: action)
            let cut = try #require(try Image.table(image))
            // The licence (the name) stays until the claim is complete; the PARTUUID records the
            // file system being made.
            #expect(cut.parts[1].name == Image.magic)
            let recorded = try #require(cut.parts[1].uuid).lowercased()
            #expect(recorded != before.parts[1].uuid?.lowercased())
            if filesystemDone { #expect(try Image.probe(image, offset: offset)["UUID"] == recorded) }
            #expect(try siblingSums() == sums)

            let plan = try box.dryRun([image])
            #expect(plan.decision.hasPrefix(filesystemDone ? "finish the interrupted claim of \(image)#2" : "claim partition \(image)#2"), Comment(rawValue: plan.summary))
            let r = try box.claim([image])
            #expect(r.ok == true, Comment(rawValue: r.summary))
            #expect(r.actions == (filesystemDone ? ["complete-partition-claim"] : Actions.partitionClaim), Comment(rawValue: r.summary))

            let after = try #require(try Image.table(image))
            #expect(after.parts[1].name == "lightwhale-data")
            let fs = try Image.probe(image, offset: offset)
            #expect(fs["TYPE"] == "ext4" && fs["LABEL"] == "lightwhale-data", "\(fs)")
            if filesystemDone {
                #expect(fs["UUID"] == recorded, "I3: the file system the cut claim made is kept")
            } else {
                #expect(fs["UUID"] != recorded)
            }
            #expect(try Image.fsckClean(image, offset: offset).status == 0)
            #expect(try siblingSums() == sums)
            #expect(after.parts[0] == before.parts[0] && after.parts[2] == before.parts[2])
        }
    }

    @Test("the claim also survives being cut twice in a row")
    func twoFaults() throws {
        try Sandbox.with { box in
            let image = try box.make("magic-over-mbr")
            try box.claimFault(image, after: "write-partition-table")
            try box.claimFault(image, after: "verify-filesystem")
            let recorded = try #require(try Image.claimRecordUUID(image))
            let r = try box.claim([image])
            #expect(r.actions == ["complete-claim"], Comment(rawValue: r.summary))
            #expect(try expectClaimedWholeDisk(image) == recorded)
        }
    }

    @Test("a re-claim of an old data disk cut after record-claim is redone: the old file system is not kept (I3)")
    func reclaimCutEarly() throws {
        try Sandbox.with { box in
            let image = try box.make("claimed")
            let old = try #require(try Image.probe(image, offset: Image.MiB)["UUID"])
            try Image.write(image, Array((Image.magic + "\n").utf8), at: 0)
            try box.claimFault(image, after: "record-claim")
            let recorded = try #require(try Image.claimRecordUUID(image))
            #expect(recorded != old)
            // The old file system is still there, whole and labelled lightwhale-data: only the record tells.
            #expect(try Image.probe(image, offset: Image.MiB)["UUID"] == old)
            let r = try box.claim([image])
            #expect(r.actions == Actions.wholeDiskClaim, Comment(rawValue: r.summary))
            let now = try expectClaimedWholeDisk(image)
            #expect(now != old, "the user licensed erasing the old file system; it must not be kept as 'finished'")
        }
    }

    @Test("a fresh magic written over a claimed disk licenses reformatting it (I3: reuse)", arguments: ["echo", "lwctl enable"])
    func reuseAfterFreshMagic(_ how: String) throws {
        try Sandbox.with { box in
            let image = try box.make("claimed")
            let first = try #require(try Image.probe(image, offset: Image.MiB)["UUID"])
            if how == "echo" {
                try Image.write(image, Array((Image.magic + "\n").utf8), at: 0)
            } else {
                // It holds the old data: only --force enables it.
                let o = try box.lwctl(["enable", "--yes", "--force", image])
                #expect(o.status == 0, Comment(rawValue: o.both))
            }
            #expect(try Image.startsWithMagic(image))
            let plan = try box.dryRun([image])
            #expect(plan.decision.hasPrefix("claim \(image):"), Comment(rawValue: plan.summary))
            let r = try box.claim([image])
            #expect(r.actions == Actions.wholeDiskClaim, Comment(rawValue: r.summary))
            let second = try expectClaimedWholeDisk(image)
            #expect(second != first, "the licensed disk must get a new file system")
        }
    }
}
