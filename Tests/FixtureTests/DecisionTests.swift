// `lwctl claim --dry-run --json` over each fixture: the decision, the planned actions, which
// device is claimed, and why every other one is skipped. A dry run must write nothing.

import Foundation
import TestSupport
import Testing

/// What the dry run must decide for one fixture alone.
enum Expect: Sendable {
    /// Claim the whole disk from scratch; `oldPartitions` is how many old partitions the wipe reaches into.
    case claim(oldPartitions: Int)
    /// An interrupted claim whose file system was not finished: redo every step, with a new UUID.
    case redo
    /// An interrupted claim whose file system is complete: only remove the magic (I3: no reformat).
    case finish
    /// An existing lightwhale-data file system: check and mount it (`suffix`: "#1" for partition 1, "" for a whole disk).
    case mount(suffix: String)
    /// Format GPT partition `number` (named lightwhale-please-format-me) only.
    case partition(number: Int)
    /// Nothing to claim: tmpfs; `device` (the image, or `image#N`) is skipped for the reason named
    /// `code`, and for a protected device the I4 `refusals` named.
    case volatile(suffix: String, code: String, refusals: [String] = [])
    /// Damaged data (`device` skipped for `code`): a tmpfs, nothing written, password logins off.
    case degraded(suffix: String, code: String)
}

struct DecisionCase: Sendable, CustomTestStringConvertible {
    var fixture: String
    var expect: Expect
    var testDescription: String { fixture }

    static let all: [DecisionCase] = [
        .init(fixture: "blank", expect: .volatile(suffix: "", code: "no-licence")),
        .init(fixture: "magic", expect: .claim(oldPartitions: 0)),
        .init(fixture: "magic-newline", expect: .claim(oldPartitions: 0)),
        .init(fixture: "nearmiss-case", expect: .volatile(suffix: "", code: "near-miss")),
        .init(fixture: "nearmiss-offset1", expect: .volatile(suffix: "", code: "near-miss")),
        .init(fixture: "nearmiss-partition", expect: .volatile(suffix: "#1", code: "magic-in-partition")),
        .init(fixture: "magic-over-mbr", expect: .claim(oldPartitions: 2)),
        .init(fixture: "magic-over-gpt", expect: .claim(oldPartitions: 3)),
        .init(fixture: "magic-over-ext4", expect: .claim(oldPartitions: 0)),
        .init(fixture: "magic-over-iso", expect: .claim(oldPartitions: 0)),
        .init(fixture: "magic-over-raid", expect: .claim(oldPartitions: 0)),
        .init(fixture: "claimed", expect: .mount(suffix: "#1")),
        .init(fixture: "claimed-fresh-magic", expect: .claim(oldPartitions: 1)),
        .init(fixture: "half-record-claim", expect: .redo),
        .init(fixture: "half-wipe-signatures", expect: .redo),
        .init(fixture: "half-write-partition-table", expect: .redo),
        .init(fixture: "half-ensure-partition-node", expect: .redo),
        .init(fixture: "half-make-filesystem", expect: .finish),
        .init(fixture: "half-verify-filesystem", expect: .finish),
        // A complete old lightwhale-data whose re-claim (licensed by a fresh magic) was cut after
        // record-claim: the record names another file system, so the old one is not "finished" (I3).
        .init(fixture: "reclaim-half-record-claim", expect: .redo),
        .init(fixture: "foreign-ext4", expect: .volatile(suffix: "", code: "no-licence")),
        .init(fixture: "foreign-gpt", expect: .volatile(suffix: "", code: "no-licence")),
        .init(fixture: "hostile-names", expect: .volatile(suffix: "", code: "no-licence")),
        .init(
            fixture: "named-partition-crafted",
            expect: .volatile(suffix: "#300", code: "protected-named-partition", refusals: ["crafted-table", "partition-number-too-high"])),
        .init(fixture: "named-partition", expect: .partition(number: 2)),
        .init(fixture: "named-partition-tiny", expect: .volatile(suffix: "#2", code: "protected-named-partition", refusals: ["too-small"])),
        .init(fixture: "data-superfloppy", expect: .mount(suffix: "")),
        .init(fixture: "data-ext2", expect: .volatile(suffix: "", code: "data-not-ext4")),
        .init(fixture: "claimed-damaged", expect: .degraded(suffix: "#1", code: "damaged-data")),
        .init(fixture: "tiny-magic", expect: .volatile(suffix: "", code: "protected-magic-disk", refusals: ["too-small"])),
        .init(fixture: "corrupt-gpt", expect: .volatile(suffix: "", code: "no-licence")),
        .init(fixture: "corrupt-gpt-magic", expect: .claim(oldPartitions: 2)),
        .init(fixture: "iso-boot", expect: .volatile(suffix: "", code: "boot-medium")),
        .init(fixture: "iso-boot-magic", expect: .volatile(suffix: "", code: "protected-magic-disk", refusals: ["boot-medium"])),
    ]
}

@Suite("dry-run decisions, one fixture at a time")
struct DecisionTests {
    @Test("the fixture list and the table agree")
    func everyFixtureHasADecision() throws {
        let listed = try Run.ok(["/bin/bash", Repo.makeFixtures, "--list"]).stdout.split(separator: "\n").map(String.init)
        let covered = Set(DecisionCase.all.map(\.fixture)).union(["two-magic-a", "two-magic-b"])
        #expect(Set(listed) == covered, "every fixture needs a row in DecisionCase.all")
    }

    @Test("claim --dry-run --json decides", arguments: DecisionCase.all)
    func decides(_ c: DecisionCase) throws {
        try Sandbox.with { box in
            let image = try box.make(c.fixture)
            let before = try Image.checksum(image)
            let r = try box.dryRun([image])
            let context = Comment(rawValue: r.summary)

            #expect(r.steps.allSatisfy { $0.result == "planned" }, context)
            // Every step that names a device names this image or one of its partitions.
            #expect(r.writtenDevices.allSatisfy { $0 == image || $0.hasPrefix(image + "#") }, context)

            switch c.expect {
            case .claim(let oldPartitions):
                #expect(r.mode == "persistent", context)
                #expect(r.decision.hasPrefix("claim \(image):"), context)
                #expect(r.dataDevice == image + "#1", context)
                #expect(r.actions == Actions.wholeDiskClaim + Actions.mountAfterClaim, context)
                #expect(r.skipped.isEmpty, context)
                let wipe = try #require(r.steps.first { $0.action == "wipe-signatures" })
                #expect(wipe.device == image)
                if oldPartitions > 0 {
                    #expect(wipe.summary.contains("inside its \(oldPartitions) old partition(s)"), context)
                } else {
                    #expect(!wipe.summary.contains("old partition"), context)
                }
            case .redo:
                #expect(r.mode == "persistent", context)
                #expect(r.decision.hasPrefix("redo the interrupted claim of \(image)"), context)
                #expect(r.dataDevice == image + "#1", context)
                #expect(r.actions == Actions.wholeDiskClaim + Actions.mountAfterClaim, context)
                // The redo makes a new file system, not the one recorded by the interrupted claim.
                let recorded = try #require(try Image.claimRecordUUID(image), "no claim record on a half-claimed disk")
                let record = try #require(r.steps.first { $0.action == "record-claim" })
                #expect(!record.summary.contains(recorded), context)
            case .finish:
                #expect(r.mode == "persistent", context)
                let recorded = try #require(try Image.claimRecordUUID(image), "no claim record on a half-claimed disk")
                #expect(r.decision.hasPrefix("finish the interrupted claim of \(image)"), context)
                #expect(r.decision.contains(recorded), context)
                #expect(r.dataDevice == image + "#1", context)
                #expect(r.actions == ["complete-claim"] + Actions.mountExisting, context)
                #expect(!r.actions.contains("make-filesystem"), "I3: a finished file system is never remade")
            case .mount(let suffix):
                #expect(r.mode == "persistent", context)
                #expect(r.decision == "mount the data file system on \(image)\(suffix)", context)
                #expect(r.dataDevice == image + suffix, context)
                // A partition's node is made sure of first; a whole-disk file system needs none.
                #expect(r.actions == (suffix.isEmpty ? ["check-filesystem"] + Actions.mountAfterClaim : Actions.mountExisting), context)
                #expect(r.skipped.isEmpty, context)
            case .partition(let n):
                #expect(r.mode == "persistent", context)
                #expect(r.decision.hasPrefix("claim partition \(image)#\(n)"), context)
                #expect(r.dataDevice == "\(image)#\(n)", context)
                #expect(r.actions == Actions.partitionClaim + Actions.mountAfterClaim, context)
                // Only that partition is formatted; the disk itself is only named by the wipe, which
                // is confined to the partition.
                for s in r.steps where s.device != nil && s.action != "wipe-signatures" {
                    #expect(s.device == "\(image)#\(n)", "\(s.action) touches \(s.device ?? "")")
                }
                let wipe = try #require(r.steps.first { $0.action == "wipe-signatures" })
                #expect(!wipe.summary.contains("old partition"), "the wipe must stay inside partition \(n)")
                #expect(r.skipped.isEmpty, context)
            case .volatile(let suffix, let code, let refusals):
                #expect(r.mode == "volatile", context)
                #expect(r.decision.hasPrefix("volatile:"), context)
                #expect(r.dataDevice == nil, context)
                #expect(r.actions == Actions.volatile, context)
                #expect(r.writtenDevices.isEmpty, context)
                let skip = try #require(r.skip(image + suffix), "\(image + suffix) must be listed in skipped: \(r.summary)")
                #expect(skip.code == code, "\(c.fixture): \(skip.code): \(skip.reason)")
                #expect((skip.refusals ?? []) == refusals, "\(c.fixture): \(skip.reason)")
                #expect(!skip.reason.isEmpty)
                #expect(r.skipped.count == 1, context)
            case .degraded(let suffix, let code):
                #expect(r.mode == "degraded", context)
                #expect(r.decision.hasPrefix("degraded: \(image)\(suffix) is the data partition"), context)
                #expect(r.dataDevice == nil, context)
                #expect(r.actions == Actions.degradedLocked, context)
                #expect(r.writtenDevices.isEmpty, context)
                let skip = try #require(r.skip(image + suffix), "\(image + suffix) must be listed in skipped: \(r.summary)")
                #expect(skip.code == code, "\(c.fixture): \(skip.code): \(skip.reason)")
                #expect(r.skipped.count == 1, context)
            }

            #expect(try Image.checksum(image) == before, "--dry-run must not write \(c.fixture)")
            #expect(!FileManager.default.fileExists(atPath: box.reportPath), "--dry-run must not save a report")
        }
    }
}

@Suite("dry-run decisions with several disks")
struct SeveralDisksTests {
    /// Fixtures that must never be written, with the names of their skip reason and refusals.
    static let neverWritten: [(fixture: String, suffix: String, code: String, refusals: [String])] = [
        ("blank", "", "no-licence", []),
        ("nearmiss-case", "", "near-miss", []),
        ("nearmiss-offset1", "", "near-miss", []),
        ("nearmiss-partition", "#1", "magic-in-partition", []),
        ("foreign-ext4", "", "no-licence", []),
        ("foreign-gpt", "", "no-licence", []),
        ("tiny-magic", "", "protected-magic-disk", ["too-small"]),
        ("named-partition-tiny", "#2", "protected-named-partition", ["too-small"]),
        ("data-ext2", "", "data-not-ext4", []),
        ("corrupt-gpt", "", "no-licence", []),
        ("iso-boot", "", "boot-medium", []),
        ("iso-boot-magic", "", "protected-magic-disk", ["boot-medium"]),
    ]

    @Test("one magic disk among everything that must not be touched: only it is claimed (I1, I4)")
    func onlyTheLicensedDiskIsWritten() throws {
        try Sandbox.with { box in
            let others = try box.make(Self.neverWritten.map(\.fixture))
            let magic = try box.make("magic")
            let sums = try others.map(Image.checksum)
            // The magic disk in the middle: the choice does not depend on argument order.
            let devices = Array(others[..<5]) + [magic] + Array(others[5...])

            let plan = try box.dryRun(devices)
            #expect(plan.mode == "persistent", Comment(rawValue: plan.summary))
            #expect(plan.dataDevice == magic + "#1")
            #expect(plan.actions == Actions.wholeDiskClaim + Actions.mountAfterClaim)
            #expect(plan.writtenDevices.allSatisfy { $0 == magic || $0 == magic + "#1" }, Comment(rawValue: plan.summary))
            for (image, entry) in zip(others, Self.neverWritten) {
                let skip = try #require(plan.skip(image + entry.suffix), "\(entry.fixture) missing from skipped: \(plan.summary)")
                #expect(skip.code == entry.code, "\(entry.fixture): \(skip.code): \(skip.reason)")
                #expect((skip.refusals ?? []) == entry.refusals, "\(entry.fixture): \(skip.reason)")
            }
            #expect(plan.skipped.count == others.count)

            // The real thing, over all of them at once.
            let done = try box.claim(devices)
            #expect(done.ok == true && done.mode == "persistent", Comment(rawValue: done.summary))
            #expect(done.actions == Actions.wholeDiskClaim)
            #expect(done.steps.allSatisfy { $0.result == "done" })
            try expectClaimedWholeDisk(magic)
            for (image, sum) in zip(others, sums) {
                #expect(try Image.checksum(image) == sum, "\(image) was written")
            }
            #expect(FileManager.default.fileExists(atPath: box.reportPath), "a real claim saves its report")
        }
    }

    @Test("two magic disks: the first by name is claimed, the other waits, whatever the argument order (I6)")
    func twoMagicDisks() throws {
        try Sandbox.with { box in
            let a = try box.make("two-magic-a")
            let b = try box.make("two-magic-b")
            let bSum = try Image.checksum(b)
            for order in [[a, b], [b, a]] {
                let r = try box.dryRun(order)
                #expect(r.dataDevice == a + "#1", Comment(rawValue: r.summary))
                #expect(r.decision.hasPrefix("claim \(a):"))
                let skip = try #require(r.skip(b), Comment(rawValue: r.summary))
                #expect(skip.code == "another-claim-first", Comment(rawValue: skip.reason))
                #expect(r.writtenDevices.allSatisfy { !$0.hasPrefix(b) })
            }
            // Claim: a becomes the data disk; b keeps its magic and waits, untouched.
            let first = try box.claim([b, a])
            #expect(first.dataDevice == a + "#1" && first.ok == true, Comment(rawValue: first.summary))
            try expectClaimedWholeDisk(a)
            #expect(try Image.checksum(b) == bSum)
            // Next boot: one data file system exists, so b is still left alone (one data device).
            let second = try box.claim([a, b])
            #expect(second.mode == "persistent" && second.dataDevice == a + "#1", Comment(rawValue: second.summary))
            #expect(second.actions.isEmpty, "the data disk exists; with --no-mount there is nothing to do")
            let skip = try #require(second.skip(b), Comment(rawValue: second.summary))
            #expect(skip.code == "data-already-present", Comment(rawValue: skip.reason))
            #expect(try Image.checksum(b) == bSum)
            #expect(try Image.startsWithMagic(b))
        }
    }

    @Test("an existing data disk wins over a new magic disk, which is left alone")
    func dataDiskAndMagicDisk() throws {
        try Sandbox.with { box in
            let data = try box.make("claimed")
            let magic = try box.make("magic")
            let sums = try [data, magic].map(Image.checksum)
            let r = try box.dryRun([magic, data])
            #expect(r.decision == "mount the data file system on \(data)#1", Comment(rawValue: r.summary))
            #expect(r.actions == Actions.mountExisting)
            let skip = try #require(r.skip(magic), Comment(rawValue: r.summary))
            #expect(skip.reason.contains("already present on \(data)#1"))
            let real = try box.claim([magic, data])
            #expect(real.actions.isEmpty && real.ok == true, Comment(rawValue: real.summary))
            #expect(try [data, magic].map(Image.checksum) == sums, "nothing may be written")
        }
    }

    @Test("damaged data and a new magic disk: degraded, the magic disk waits and neither is written (I3)")
    func damagedDataAndMagicDisk() throws {
        try Sandbox.with { box in
            let damaged = try box.make("claimed-damaged")
            let magic = try box.make("magic")
            let sums = try [damaged, magic].map(Image.checksum)
            let r = try box.dryRun([magic, damaged])
            #expect(r.mode == "degraded", Comment(rawValue: r.summary))
            #expect(r.actions == Actions.degradedLocked)
            #expect(try #require(r.skip(damaged + "#1")).code == "damaged-data")
            #expect(try #require(r.skip(magic)).code == "data-already-present")
            let real = try box.claim([magic, damaged])
            #expect(real.mode == "degraded" && real.actions.isEmpty, Comment(rawValue: real.summary))
            #expect(try [damaged, magic].map(Image.checksum) == sums, "nothing may be written")
        }
    }

    @Test("two lightwhale-data disks: degraded, touching neither (I7: never guess)")
    func twoDataDisks() throws {
        try Sandbox.with { box in
            let one = try box.make("claimed")
            let two = box.image("claimed-copy")
            try Run.ok(["cp", "--sparse=always", one, two])
            let sums = try [one, two].map(Image.checksum)
            let r = try box.dryRun([one, two])
            #expect(r.mode == "degraded" && r.dataDevice == nil, Comment(rawValue: r.summary))
            #expect(r.actions == Actions.degradedLocked)
            for d in [one, two] {
                let skip = try #require(r.skip(d + "#1"), Comment(rawValue: r.summary))
                #expect(skip.code == "several-data-file-systems", Comment(rawValue: skip.reason))
            }
            let real = try box.claim([one, two])
            #expect(real.mode == "degraded" && real.actions.isEmpty, Comment(rawValue: real.summary))
            #expect(try [one, two].map(Image.checksum) == sums)
        }
    }

    @Test("a claim under way is finished before a fresh magic disk is started, whatever the names")
    func resumeFirst() throws {
        try Sandbox.with { box in
            let magic = try box.make("magic")
            let half = try box.make("half-make-filesystem")
            let late = box.image("zz-half")  // sorts after "magic": only the rule can put it first
            try Run.ok(["mv", half, late])
            let r = try box.dryRun([magic, late])
            #expect(r.decision.hasPrefix("finish the interrupted claim of \(late)"), Comment(rawValue: r.summary))
            #expect(r.dataDevice == late + "#1")
            let skip = try #require(r.skip(magic), Comment(rawValue: r.summary))
            #expect(skip.code == "another-claim-first", Comment(rawValue: skip.reason))
        }
    }

    @Test("a whole magic disk is claimed before a named partition, whatever the names")
    func wholeDiskBeforePartition() throws {
        try Sandbox.with { box in
            let named = try box.make("named-partition")
            let magic = try box.make("magic")
            let late = box.image("zz-magic")  // sorts after "named-partition"
            try Run.ok(["mv", magic, late])
            let r = try box.dryRun([named, late])
            #expect(r.decision.hasPrefix("claim \(late):"), Comment(rawValue: r.summary))
            let skip = try #require(r.skip(named + "#2"), Comment(rawValue: r.summary))
            #expect(skip.code == "another-claim-first", Comment(rawValue: skip.reason))
        }
    }
}
