import Foundation
import TestSupport
import Testing

/// Real `lwctl claim` runs on loop devices in private mount namespaces. Serialized: they share the
/// machine's loop devices, and the SIGKILL test watches for an `mke2fs` it started.
@Suite("Privileged: real claims on loop devices", .serialized, Privilege.trait)
struct PrivilegedTests {}

extension PrivilegedTests {
    @Suite("Claim, reboot, idempotence")
    struct Claiming {
        @Test("a magic loop disk is claimed: GPT, ext4 lightwhale-data, mounted, overlays, docker root, magic gone", .sandbox)
        func freshClaim() throws {
            let s = try Sandbox.get
            let img = try s.image("disk", size: "256M", magic: true)
            let loop = try s.attach(img)
            try s.ns(
                """
                lw claim claim --root "$R" --devices \(loop) --json
                lw status status --root "$R" --json
                lw brief status --root "$R" --brief
                lw_mounts after
                test -d "$R/mnt/lightwhale-data/docker" && echo yes >"$OUT/docker-dir"
                """)

            let claim = try s.run("claim")
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.mode == "persistent")
            #expect(claim.json["skipped"] is [Any])
            #expect(claim.actions.starts(with: ["record-claim", "wipe-signatures", "write-partition-table"]))
            #expect(claim.actions.contains("make-filesystem") && claim.actions.contains("complete-claim"))
            #expect(claim.steps.allSatisfy { ($0["result"] as? String) == "done" })
            #expect(claim.actions.filter { $0 == "mount-overlay" }.count == 3)

            let status = try s.run("status")
            #expect(status.status == 0)
            #expect(status.mode == "persistent", "status: \(status.json)")
            #expect(status.json["dockerDataRoot"] as? String == "/mnt/lightwhale-data/docker")
            let overlays = status.json["overlays"] as? [[String: Any]] ?? []
            #expect(overlays.count == 3 && overlays.allSatisfy { $0["active"] as? Bool == true })
            let brief = try s.run("brief")
            #expect(brief.status == 0 && brief.stdout == "persistent\n", "status --brief: \(brief.stdout)")

            let mounts = try s.mounts("after")
            let data = try #require(mounts.first { $0.target == s.root + "/mnt/lightwhale-data" })
            #expect(data.type == "ext4")
            #expect(data.source == s.partitionNode(loop, 1))
            let options = data.options.split(separator: ",")
            #expect(options.contains("nodev") && options.contains("nosuid"), "the disk's device nodes and setuid files count for nothing: \(data.options)")
            for dir in ["etc", "home", "var/www"] {
                #expect(mounts.contains { $0.target == "\(s.root)/\(dir)" && $0.type == "overlay" }, "overlay on /\(dir)")
            }
            #expect(FileManager.default.fileExists(atPath: s.out + "/docker-dir"), "docker data-root made")

            let fs = try s.blkid(s.partitionNode(loop, 1))
            #expect(fs["TYPE"] == "ext4")
            #expect(fs["LABEL"] == "lightwhale-data")
            #expect(fs["PART_ENTRY_NAME"] == "lightwhale-data")
            #expect(fs["PART_ENTRY_NUMBER"] == "1")
            #expect(try !s.hasMagic(img), "the magic header is removed once the claim is complete")
            #expect(try s.bytes(img, at: 0, count: 440).allSatisfy { $0 == 0 }, "no magic or claim record left in the boot-code area")
        }

        @Test("reboot: files written through /etc, /home and docker's data-root survive; the file system is kept, not remade", .sandbox)
        func rebootKeepsData() throws {
            let s = try Sandbox.get
            let img = try s.image("disk", size: "256M", magic: true)
            let loop = try s.attach(img)
            try s.ns(
                """
                lw claim1 claim --root "$R" --devices \(loop) --json
                echo "persistent-host" >"$R/etc/hostname"
                echo "new file in etc" >"$R/etc/persisted.conf"
                mkdir -p "$R/home/op/projects" && head -c 100000 /dev/urandom >"$R/home/op/projects/blob"
                mkdir -p "$R/mnt/lightwhale-data/docker/volumes/v1" && head -c 300000 /dev/urandom >"$R/mnt/lightwhale-data/docker/volumes/v1/data"
                echo "<h1>upper</h1>" >"$R/var/www/index.html"
                (cd "$R" && sha256sum etc/hostname etc/persisted.conf home/op/projects/blob mnt/lightwhale-data/docker/volumes/v1/data var/www/index.html) >"$OUT/sums"
                blkid -p -s UUID -o value \(s.partitionNode(loop, 1)) >"$OUT/uuid1"
                """)
            #expect(try s.run("claim1").status == 0)
            // The lower layer was never written: the changes went to the data disk.
            #expect(try String(contentsOfFile: s.root + "/etc/hostname", encoding: .utf8) == "lightwhale\n")
            #expect(!FileManager.default.fileExists(atPath: s.root + "/etc/persisted.conf"))

            let loop2 = try s.reboot(loop, image: img)
            #expect(loop2 != loop)
            try s.ns(
                """
                lw claim2 claim --root "$R" --devices \(loop2) --json
                (cd "$R" && sha256sum -c "$OUT/sums") >"$OUT/check" 2>&1 && echo ok >"$OUT/check-ok"
                blkid -p -s UUID -o value \(s.partitionNode(loop2, 1)) >"$OUT/uuid2"
                lw claim3 claim --root "$R" --devices \(loop2) --json
                lw_mounts twice
                """)
            let second = try s.run("claim2")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.mode == "persistent")
            #expect(second.actions.starts(with: ["ensure-partition-node", "check-filesystem", "mount"]), "\(second.actions)")
            #expect(!second.actions.contains("make-filesystem") && !second.actions.contains("write-partition-table"))
            let check = (try? String(contentsOfFile: s.out + "/check", encoding: .utf8)) ?? ""
            #expect(FileManager.default.fileExists(atPath: s.out + "/check-ok"), "files after reboot: \(check)")
            let uuid1 = try String(contentsOfFile: s.out + "/uuid1", encoding: .utf8)
            let uuid2 = try String(contentsOfFile: s.out + "/uuid2", encoding: .utf8)
            #expect(!uuid1.isEmpty && uuid1 == uuid2, "file-system UUID kept across the reboot")

            // I5: the same claim again in the same boot does nothing.
            let third = try s.run("claim3")
            #expect(third.status == 0)
            #expect(third.mode == "persistent")
            #expect(third.steps.isEmpty, "second claim in one boot: \(third.actions)")
            let mounts = try s.mounts("twice")
            #expect(mounts.filter { $0.target == s.root + "/etc" }.count == 1, "no overlay stacked twice")
            #expect(mounts.filter { $0.target == s.root + "/mnt/lightwhale-data" }.count == 1)
        }

        @Test("a claim in a boot whose overlays were lost only adds the missing overlays", .sandbox)
        func missingOverlayOnly() throws {
            let s = try Sandbox.get
            let loop = try s.attach(try s.image("disk", size: "128M", magic: true))
            try s.ns(
                """
                lw claim1 claim --root "$R" --devices \(loop) --json
                umount "$R/home"
                lw claim2 claim --root "$R" --devices \(loop) --json
                lw_mounts after
                """)
            #expect(try s.run("claim1").status == 0)
            let again = try s.run("claim2")
            #expect(again.status == 0)
            #expect(again.actions == ["make-directories", "mount-overlay"], "\(again.actions)")
            #expect(try s.mounts("after").filter { $0.type == "overlay" }.count == 3)
        }
    
        @Test("stale kernel partitions left on a loop device by another disk are replaced, on claim and on mount", .sandbox)
        func stalePartitionNodes() throws {
            let s = try Sandbox.get
            let big = try s.image("big", size: "256M", magic: true)
            let small = try s.image("small", size: "128M", magic: true)
            let loop = try s.attach(big)
            try s.ns(#"lw big claim --root "$R" --devices \#(loop) --no-mount --json"#)
            #expect(try s.run("big").status == 0)
            let bigSize = try s.sh("cat /sys/block/\(loop.dropFirst(5))/\(loop.dropFirst(5))p1/size").stdout
            // Detached without forgetting its partitions (this kernel keeps them): the next disk on
            // this loop device finds a p1 node that belongs to the old disk.
            s.detach(loop, forgetPartitions: false)
            _ = try s.attach(small, at: loop)
            try s.ns(
                """
                lw small claim --root "$R" --devices \(loop) --json
                lw_mounts small
                """)
            let first = try s.run("small")
            #expect(first.status == 0 && first.mode == "persistent", "\(first.stderr)")
            let smallSize = try s.sh("cat /sys/block/\(loop.dropFirst(5))/\(loop.dropFirst(5))p1/size").stdout
            #expect(smallSize != bigSize, "the node now has the new partition's size")
            #expect(try s.mounts("small").contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.type == "ext4" })

            // And the other way round on the every-boot path: the big claimed disk on a loop device
            // that still lists the small disk's partition.
            s.detach(loop, forgetPartitions: false)
            _ = try s.attach(big, at: loop)
            try s.ns(
                """
                lw again claim --root "$R" --devices \(loop) --json
                lw_mounts again
                df -B1 --output=size "$R/mnt/lightwhale-data" | tail -1 >"$OUT/df"
                """)
            let again = try s.run("again")
            #expect(again.status == 0 && again.mode == "persistent", "\(again.stderr)")
            #expect(!again.actions.contains("make-filesystem"))
            #expect(try s.sh("cat /sys/block/\(loop.dropFirst(5))/\(loop.dropFirst(5))p1/size").stdout == bigSize)
            let dfSize = UInt64((try String(contentsOfFile: s.out + "/df", encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(dfSize > 200 << 20, "the big file system is mounted whole: \(dfSize) bytes")
        }
    }
}
