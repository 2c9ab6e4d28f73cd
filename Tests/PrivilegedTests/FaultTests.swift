import Foundation
import PersistenceKit
import TestSupport
import Testing

extension PrivilegedTests {
    /// I2, I3, I5: a claim stopped dead at any point is completed by the next `claim`, and a file
    /// system the interrupted claim already made is finished, never made again.
    @Suite("Crash safety: fault injection and SIGKILL")
    struct CrashSafety {
        static let actions: [Step.Action] = [
            .recordClaim, .wipeSignatures, .writePartitionTable, .ensurePartitionNode, .makeFilesystem,
            .verifyFilesystem, .completeClaim,
        ]
        /// After these the file system is complete: the next claim must keep it (I3).
        static let afterFormatting: Set<Step.Action> = [.makeFilesystem, .verifyFilesystem, .completeClaim]

        @Test("stopped after a step, then rebooted: the next claim completes it", .sandbox, arguments: actions)
        func faultAfter(_ action: Step.Action) throws {
            let s = try Sandbox.get
            let img = try s.image("disk", size: "192M", magic: true)
            let loop = try s.attach(img)
            try s.ns(#"lw cut claim --root "$R" --devices \#(loop) --json --fault-after \#(action)"#)
            let cut = try s.run("cut")
            #expect(cut.status == 75, "the fault hook exits 75: \(cut.stderr)")
            #expect(cut.stderr.contains("fault injected after \(action)"))
            let recorded = try s.claimRecordUUID(img)
            if action != .completeClaim {
                #expect(try s.hasMagic(img), "I2: the magic survives until the claim is complete")
                #expect(recorded != nil, "the claim record is beside the magic")
            } else {
                #expect(try !s.hasMagic(img))
            }
            let fsBefore = try s.blkid(img, offset: 1 << 20)

            let loop2 = try s.reboot(loop, image: img)
            try s.ns(
                """
                lw again claim --root "$R" --devices \(loop2) --json
                lw_mounts after
                echo survives >"$R/etc/after-resume" && sync
                """)
            let again = try s.run("again")
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.mode == "persistent", "\(again.json["decision"] ?? "")")
            #expect(again.fallback == nil)
            let mounts = try s.mounts("after")
            let data = mounts.first { $0.target == s.root + "/mnt/lightwhale-data" }
            #expect(data?.type == "ext4" && data?.source == s.partitionNode(loop2, 1))
            #expect(mounts.filter { $0.type == "overlay" }.count == 3)
            #expect(try !s.hasMagic(img))
            let fs = try s.blkid(s.partitionNode(loop2, 1))
            #expect(fs["TYPE"] == "ext4" && fs["LABEL"] == "lightwhale-data" && fs["PART_ENTRY_NAME"] == "lightwhale-data")

            if Self.afterFormatting.contains(action) {
                // I3: the made file system is finished (or just mounted), not redone.
                #expect(!again.actions.contains("make-filesystem"), "\(again.actions)")
                #expect(!again.actions.contains("wipe-signatures") && !again.actions.contains("write-partition-table"))
                if action != .completeClaim {
                    #expect(again.actions.first == "complete-claim", "\(again.actions)")
                }
                #expect(recorded == nil || fs["UUID"] == recorded, "the recorded file system is the one kept")
                #expect(fsBefore["UUID"] == fs["UUID"], "same file system before and after the resume")
            } else {
                #expect(again.actions.contains("make-filesystem"), "a claim cut before formatting is redone: \(again.actions)")
                #expect(again.actions.contains("complete-claim"))
            }

            // And it is an ordinary data disk from now on: the next boot only checks and mounts.
            let loop3 = try s.reboot(loop2, image: img)
            try s.ns(
                """
                lw third claim --root "$R" --devices \(loop3) --json
                cat "$R/etc/after-resume" >"$OUT/after-resume"
                """)
            let third = try s.run("third")
            #expect(third.status == 0 && third.mode == "persistent")
            #expect(!third.actions.contains("make-filesystem") && !third.actions.contains("complete-claim"), "\(third.actions)")
            #expect((try? String(contentsOfFile: s.out + "/after-resume", encoding: .utf8)) == "survives\n")
        }

        static let partitionActions: [Step.Action] = [
            .markPartition, .wipeSignatures, .ensurePartitionNode, .makeFilesystem, .verifyFilesystem,
            .completePartitionClaim,
        ]

        @Test("a partition claim stopped after a step, then rebooted: completed, siblings untouched", .sandbox, arguments: partitionActions)
        func partitionFaultAfter(_ action: Step.Action) throws {
            let s = try Sandbox.get
            let MiB: UInt64 = 1 << 20
            let img = try s.image("named", size: "192M")
            try s.sh(
                """
                set -e
                sgdisk -o -n1:2048:+32M -c1:EFI -t1:ef00 -n2:0:+96M -c2:lightwhale-please-format-me -n3:0:+32M -c3:home \\
                    \(img) >/dev/null
                mkfs.ext4 -q -F -L old -E offset=$((33*1024*1024)) \(img) 96M
                mkfs.ext4 -q -F -L home -E offset=$((129*1024*1024)) \(img) 32M
                """)
            let siblings = [(MiB, 32 * MiB), (129 * MiB, 32 * MiB)]
            let before = try siblings.map { try s.sha256(img, offset: $0.0, length: $0.1) }
            let loop = try s.attach(img)
            try s.ns(#"lw cut claim --root "$R" --devices \#(loop) --json --fault-after \#(action)"#)
            let cut = try s.run("cut")
            #expect(cut.status == 75, "\(cut.stderr)")
            let fsBefore = try s.blkid(img, offset: 33 * MiB, size: 96 * MiB)

            let loop2 = try s.reboot(loop, image: img)
            try s.ns(
                """
                lw again claim --root "$R" --devices \(loop2) --json
                lw_mounts after
                """)
            let again = try s.run("again")
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.mode == "persistent", "\(again.json["decision"] ?? "")")
            #expect(try s.mounts("after").contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.source == s.partitionNode(loop2, 2) })
            let fs = try s.blkid(s.partitionNode(loop2, 2))
            #expect(fs["TYPE"] == "ext4" && fs["LABEL"] == "lightwhale-data" && fs["PART_ENTRY_NAME"] == "lightwhale-data", "\(fs)")
            if Self.afterFormatting.contains(action) || action == .completePartitionClaim {
                #expect(!again.actions.contains("make-filesystem"), "I3: finished, not redone: \(again.actions)")
                #expect(fsBefore["UUID"] != nil && fsBefore["UUID"] == fs["UUID"])
            } else {
                #expect(again.actions.contains("make-filesystem"), "\(again.actions)")
            }
            s.detach(loop2)
            #expect(try siblings.map { try s.sha256(img, offset: $0.0, length: $0.1) } == before, "sibling partitions byte-identical")
        }

        @Test("SIGKILL while mke2fs runs, then reboot: the next claim completes it", .sandbox)
        func killedDuringFormatting() throws {
            let s = try Sandbox.get
            // mke2fs on a sparse 16 GiB loop takes ~50 ms here (discard punches holes): too quick to
            // catch. On 1 TiB it writes a 1 GiB journal and takes long enough to be caught.
            let img = try s.image("big", size: "1T", magic: true)
            let loop = try s.attach(img)
            let r = try s.ns(
                """
                setsid "$LW" claim --root "$R" --devices \(loop) --json >"$OUT/killed.json" 2>"$OUT/killed.err" &
                pid=$!
                seen=
                for i in $(seq 1 3000); do
                    if pgrep -P "$pid" -x mke2fs >/dev/null; then seen=yes; break; fi
                    kill -0 "$pid" 2>/dev/null || break
                done
                kill -9 -- -"$pid" 2>/dev/null
                wait "$pid"; echo "rc=$?"
                echo "seen=$seen"
                # SIGKILL is delivered at once but a process in the middle of a write dies a moment later.
                for i in $(seq 1 500); do pgrep -s "$pid" >/dev/null || break; sleep 0.02; done
                pgrep -s "$pid" >/dev/null && echo "a process of the claim survived" || true
                """)
            #expect(r.stdout.contains("seen=yes"), "mke2fs was caught running: \(r.stdout)")
            #expect(r.stdout.contains("rc=137"), "the claim died of SIGKILL: \(r.stdout)")
            #expect(!r.stdout.contains("survived"))
            #expect(try s.hasMagic(img), "I2: killed mid-format, the disk still asks to be formatted")

            let loop2 = try s.reboot(loop, image: img)
            try s.ns(
                """
                lw again claim --root "$R" --devices \(loop2) --json
                lw_mounts after
                """)
            let again = try s.run("again")
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.mode == "persistent")
            #expect(again.actions.contains("make-filesystem"), "an unfinished file system is made again: \(again.actions)")
            let mounts = try s.mounts("after")
            #expect(mounts.contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.type == "ext4" })
            #expect(mounts.filter { $0.type == "overlay" }.count == 3)
            #expect(try !s.hasMagic(img))
            let fs = try s.blkid(s.partitionNode(loop2, 1))
            #expect(fs["TYPE"] == "ext4" && fs["LABEL"] == "lightwhale-data")
        }
    }
}
