import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// I1 and I4 on real devices: only the magic disk is written; everything else, and a magic disk
    /// that is mounted or read-only, stays byte-identical.
    @Suite("Opt-in only (I1, I4)")
    struct OptIn {
        @Test("disks without the exact magic are byte-identical after a claim beside them", .sandbox)
        func othersUntouched() throws {
            let s = try Sandbox.get
            let magic = try s.attach(try s.image("magic", size: "128M", magic: true))
            // A used disk with no magic, near misses, and the magic inside a partition only.
            let plain = try s.image("plain", size: "128M")
            try s.sh(
                """
                set -e
                head -c 4096 /dev/urandom | dd of=\(plain) bs=1M seek=100 conv=notrunc status=none
                sgdisk -o -n1:2048:+32M -c1:photos -n2:0:+32M -c2:data \(plain) >/dev/null
                mkfs.ext4 -q -F -L photos -E offset=$((2048*512)) \(plain) 32M
                printf 'lightwhale-please-format-me' | dd of=\(plain) bs=1 seek=$(( (2048 + 65536) * 512 )) conv=notrunc status=none
                """)
            let wrongCase = try s.image("case", size: "128M")
            try s.sh(#"echo "Lightwhale-Please-Format-Me" | dd of=\#(wrongCase) conv=notrunc status=none"#)
            let offsetOne = try s.image("offset", size: "128M")
            try s.sh(#"echo " lightwhale-please-format-me" | dd of=\#(offsetOne) conv=notrunc status=none"#)
            let others = [plain, wrongCase, offsetOne]
            let before = try others.map { try s.sha256($0) }
            let loops = try others.map { try s.attach($0) }

            try s.ns(#"lw claim claim --root "$R" --devices \#(magic) \#(loops.joined(separator: " ")) --json"#)
            let claim = try s.run("claim")
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.mode == "persistent")
            #expect(claim.json["dataDevice"] as? String == s.partitionNode(magic, 1))
            for (loop, image) in zip(loops, others) {
                #expect(claim.steps.allSatisfy { ($0["device"] as? String)?.hasPrefix(loop) != true }, "no step names \(loop)")
                #expect(claim.skipReason(loop) != nil || claim.skipped.contains { ($0["device"] as? String)?.hasPrefix(loop) == true }, "\(loop) (\(image)) is listed as skipped with a reason")
            }
            for loop in loops { s.detach(loop) }
            let after = try others.map { try s.sha256($0) }
            #expect(before == after, "byte-identical")
        }

        @Test("a magic disk whose partition is mounted is refused and never written", .sandbox)
        func mountedRefused() throws {
            let s = try Sandbox.get
            let img = try s.image("busy", size: "128M")
            try s.sh(
                """
                set -e
                sgdisk -o -n1:2048:+64M -c1:old \(img) >/dev/null
                mkfs.ext4 -q -F -L old -E offset=$((2048*512)) \(img) 64M
                echo "lightwhale-please-format-me" | dd of=\(img) conv=notrunc status=none
                """)
            let before = try s.sha256(img)
            let loop = try s.attach(img)
            try s.ns(
                """
                partx -a \(loop)
                mkdir -p "$D/elsewhere"
                mount -o ro,noload \(s.partitionNode(loop, 1)) "$D/elsewhere"
                lw claim claim --root "$R" --devices \(loop) --json
                lw_mounts after
                """)
            let claim = try s.run("claim")
            #expect(claim.status == 0)
            #expect(claim.mode == "volatile", "\(claim.json["decision"] ?? "")")
            #expect(!claim.actions.contains { ["record-claim", "wipe-signatures", "write-partition-table", "make-filesystem"].contains($0) })
            #expect(claim.skipCode(loop) == "protected-magic-disk", "\(claim.skipped)")
            #expect(claim.skipRefusals(loop).contains("mounted"), "\(claim.skipped)")
            #expect(try s.mounts("after").contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.type == "tmpfs" })
            s.detach(loop)
            #expect(try s.sha256(img) == before, "never written")
            #expect(try s.hasMagic(img))
        }

        @Test("a read-only magic disk is refused and never written", .sandbox)
        func readOnlyRefused() throws {
            let s = try Sandbox.get
            let img = try s.image("ro", size: "128M", magic: true)
            let before = try s.sha256(img)
            let loop = try s.attach(img, readOnly: true)
            try s.ns(#"lw claim claim --root "$R" --devices \#(loop) --json"#)
            let claim = try s.run("claim")
            #expect(claim.status == 0)
            #expect(claim.mode == "volatile")
            #expect(claim.skipRefusals(loop) == ["read-only"], "\(claim.skipped)")
            #expect(!claim.actions.contains("record-claim"))
            s.detach(loop)
            #expect(try s.sha256(img) == before, "never written")
        }
    
        @Test("a GPT partition named lightwhale-please-format-me: only it is formatted; its siblings are byte-identical", .sandbox)
        func namedPartition() throws {
            let s = try Sandbox.get
            let MiB: UInt64 = 1 << 20
            let img = try s.image("named", size: "256M")
            try s.sh(
                """
                set -e
                sgdisk -o -n1:2048:+32M -c1:EFI -t1:ef00 -n2:0:+96M -c2:lightwhale-please-format-me \
                    -n3:0:+64M -c3:home \(img) >/dev/null
                mkfs.vfat -n EFI --offset 2048 \(img) $((32*1024)) >/dev/null
                mkfs.ext4 -q -F -L old -E offset=$((33*1024*1024)) \(img) 96M
                mkfs.ext4 -q -F -L home -E offset=$((129*1024*1024)) \(img) 64M
                """)
            let siblings = [(1 * MiB, 32 * MiB), (129 * MiB, 64 * MiB)]
            let before = try siblings.map { try s.sha256(img, offset: $0.0, length: $0.1) }
            let tableBefore = try s.sh("sfdisk -d \(img) | grep -v -e '^label-id' -e '^device'").stdout
            let loop = try s.attach(img)
            try s.ns(
                """
                lw claim claim --root "$R" --devices \(loop) --json
                lw_mounts after
                echo kept >"$R/etc/kept"
                """)
            let claim = try s.run("claim")
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.mode == "persistent")
            #expect(claim.actions.contains("mark-partition") && claim.actions.contains("complete-partition-claim"), "\(claim.actions)")
            #expect(!claim.actions.contains("write-partition-table"), "the table is edited, not rewritten")
            let mounts = try s.mounts("after")
            #expect(mounts.contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.source == s.partitionNode(loop, 2) && $0.type == "ext4" })
            let fs = try s.blkid(s.partitionNode(loop, 2))
            #expect(fs["TYPE"] == "ext4" && fs["LABEL"] == "lightwhale-data" && fs["PART_ENTRY_NAME"] == "lightwhale-data", "\(fs)")
            s.detach(loop)
            #expect(try siblings.map { try s.sha256(img, offset: $0.0, length: $0.1) } == before, "sibling partitions untouched")
            let tableAfter = try s.sh("sfdisk -d \(img) | grep -v -e '^label-id' -e '^device'").stdout
            let strip = { (t: String) in t.split(separator: "\n").map { $0.replacingOccurrences(of: #", uuid=[0-9A-F-]+"#, with: "", options: .regularExpression).replacingOccurrences(of: #"name="[^"]*""#, with: "", options: .regularExpression) } }
            #expect(strip(tableBefore) == strip(tableAfter), "same partitions, same places: \(tableAfter)")

            // Next boot: an ordinary data partition, checked and mounted, never formatted again.
            let loop2 = try s.attach(img)
            try s.ns(
                """
                lw again claim --root "$R" --devices \(loop2) --json
                cat "$R/etc/kept" >"$OUT/kept"
                """)
            let again = try s.run("again")
            #expect(again.status == 0 && again.mode == "persistent")
            #expect(!again.actions.contains("make-filesystem") && !again.actions.contains("mark-partition"), "\(again.actions)")
            #expect((try? String(contentsOfFile: s.out + "/kept", encoding: .utf8)) == "kept\n")
        }

        @Test("--dry-run on a magic disk writes and mounts nothing", .sandbox)
        func dryRunWritesNothing() throws {
            let s = try Sandbox.get
            let img = try s.image("dry", size: "128M", magic: true)
            let before = try s.sha256(img)
            let loop = try s.attach(img)
            try s.ns(
                """
                lw dry claim --root "$R" --devices \(loop) --dry-run --json
                lw_mounts after
                """)
            let dry = try s.run("dry")
            #expect(dry.status == 0)
            #expect(dry.actions.contains("make-filesystem"), "the plan is shown: \(dry.actions)")
            #expect(dry.steps.allSatisfy { ($0["result"] as? String) == "planned" })
            #expect(try s.mounts("after").isEmpty)
            #expect(!FileManager.default.fileExists(atPath: s.root + "/run/lightwhale/claim.json"), "no report saved")
            s.detach(loop)
            #expect(try s.sha256(img) == before)
        }
    }
}
