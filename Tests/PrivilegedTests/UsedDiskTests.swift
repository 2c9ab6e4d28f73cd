import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// Issue point 5: the guide writes the magic with `conv=notrunc` over whatever was there. Nothing
    /// of the old disk (primary and backup GPT, file systems, RAID and LVM superblocks) survives.
    @Suite("Used disks: stale signatures")
    struct UsedDisks {
        static let MiB: UInt64 = 1 << 20
        /// Old partitions (start MiB, size MiB, what). Starts avoid the new ext4's backup superblocks
        /// (1 MiB + n × 128 MiB), so whatever blkid finds there would be stale.
        static let old: [(start: UInt64, size: UInt64, what: String)] = [
            (1, 64, "ext4"), (70, 60, "vfat"), (140, 320, "xfs"), (470, 64, "md 0.90"), (540, 64, "LVM PV"), (610, 64, "md 1.0"),
        ]

        @Test("magic over a used GPT disk with file systems, md and LVM: only the new GPT and ext4 remain", .sandbox)
        func staleSignaturesGone() throws {
            let s = try Sandbox.get
            let img = try s.image("used", size: "1G")
            // md 0.90 has no checksum, so its superblock can be made by hand; md 1.0 needs the
            // kernel's md driver (mdadm --create), so that part runs only where there is one.
            let mdadm = try s.sh("command -v mdadm", check: false).status == 0
            let haveMd = mdadm && FileManager.default.fileExists(atPath: "/proc/mdstat")
            let loop = try s.attach(img)
            let mdName = "/dev/md/lwpriv\(getpid())"
            try s.sh(
                #"""
                set -eu
                MiB=1048576
                sgdisk -o -n1:2048:+64M -c1:oldroot -n2:$((70*2048)):+60M -c2:ESP -t2:ef00 \
                    -n3:$((140*2048)):+320M -c3:bigxfs -n4:$((470*2048)):+64M -c4:raid -t4:fd00 \
                    -n5:$((540*2048)):+64M -c5:lvm -t5:8e00 -n6:$((610*2048)):+64M -c6:raid1 -t6:fd00 "$L" >/dev/null
                partx -a "$L"
                mkfs.ext4 -q -F -L oldroot "${L}p1"
                mkfs.vfat -n OLDESP "${L}p2" >/dev/null
                if command -v mkfs.xfs >/dev/null; then mkfs.xfs -q -f -L oldxfs "${L}p3"; else mkfs.ext4 -q -F -L oldbig "${L}p3"; fi
                # md 0.90 superblocks (magic a92b4efc, version 0.90) in the last 64 KiB-aligned 64 KiB of
                # partition 4 and of the whole disk, where neither a new GPT nor mke2fs writes anyway.
                put() { printf "$2" | dd of="$IMG" bs=1 seek="$1" conv=notrunc status=none; }
                sb='\374\116\053\251\000\000\000\000\132\000\000\000\000\000\000\000\000\000\000\000\021\042\063\104'
                put $(( (470 + 64) * MiB - 65536 )) "$sb"
                put $(( 1024 * MiB - 65536 )) "$sb"
                if command -v pvcreate >/dev/null; then
                    LVM_SUPPRESS_FD_WARNINGS=1 pvcreate -q -ff -y "${L}p5" >/dev/null
                else
                    echo "no pvcreate: LVM part left out" >&2
                fi
                if [ "$HAVE_MD" = yes ]; then
                    mdadm --create "$MD" --run --metadata=1.0 --level=1 --raid-devices=2 "${L}p6" missing
                    mdadm --stop "$MD"
                fi
                sync
                blkid -p -o value -s TYPE "${L}p1" "${L}p2" "${L}p3" "${L}p4" >"$OUT/old-types"
                blkid -p -o value -s TYPE "${L}p5" >>"$OUT/old-types" || true
                blkid -p -o value -s TYPE "${L}p6" >>"$OUT/old-types" || true
                echo "lightwhale-please-format-me" | dd of="$L" conv=notrunc status=none
                sync
                """#, env: ["L": loop, "IMG": img, "HAVE_MD": haveMd ? "yes" : "no", "MD": mdName])
            let oldTypes = try String(contentsOfFile: s.out + "/old-types", encoding: .utf8).split(separator: "\n")
            #expect(oldTypes.count >= 5, "the old disk really had its signatures: \(oldTypes)")
            #expect(try s.blkid(img)["TYPE"] == "linux_raid_member", "and a stale RAID superblock on the whole disk")

            // Like most spinning disks, no discard: mke2fs cannot zero the old signatures in passing
            // (on a loop device it would punch holes over them), so only lwctl's wipe removes them.
            try s.sh("echo 0 >/sys/block/\(loop.dropFirst(5))/queue/discard_max_bytes")
            try s.ns(#"lw claim claim --root "$R" --devices \#(loop) --json"#)
            let claim = try s.run("claim")
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.mode == "persistent")
            let newFS = try s.blkid(s.partitionNode(loop, 1))
            #expect(newFS["TYPE"] == "ext4" && newFS["LABEL"] == "lightwhale-data")

            // The whole disk: a GPT (and its protective MBR), nothing else.
            let whole = try s.blkid(loop)
            #expect(whole["PTTYPE"] == "gpt")
            #expect(whole["TYPE"] == nil, "no stale whole-disk signature: \(whole)")
            let wipefs = try s.sh("wipefs -p \(loop) | grep -v '^#' | cut -d, -f4 | sort -u").stdout
            #expect(wipefs.split(separator: "\n").map(String.init) == ["PMBR", "gpt"], "wipefs sees: \(wipefs)")

            // The old partitions' places: the new ext4 at 1 MiB, nothing anywhere else.
            for p in Self.old {
                let found = try s.blkid(loop, offset: p.start * Self.MiB, size: p.size * Self.MiB)
                if p.start == 1 {
                    #expect(found["TYPE"] == "ext4" && found["UUID"] == newFS["UUID"], "at 1 MiB: the new file system")
                } else {
                    #expect(found["TYPE"] == nil && found["PTTYPE"] == nil, "stale \(p.what) at \(p.start) MiB: \(found)")
                }
            }

            // Exactly one partition, lightwhale-data, Linux filesystem, 1 MiB aligned; GPT consistent.
            let verify = try s.sh("sgdisk -v \(loop)", check: false)
            #expect(verify.status == 0 && verify.stdout.contains("No problems found"), "\(verify.stdout)")
            let dump = try s.sh("sfdisk -J \(loop)").stdout
            let table = try #require(
                (try JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: Any])?["partitiontable"] as? [String: Any])
            #expect(table["label"] as? String == "gpt")
            let parts = table["partitions"] as? [[String: Any]] ?? []
            #expect(parts.count == 1, "\(dump)")
            let p1 = try #require(parts.first)
            #expect(p1["name"] as? String == "lightwhale-data")
            #expect((p1["type"] as? String)?.uppercased() == "0FC63DAF-8483-4772-8E79-3D69D8477DE4")
            let start = (p1["start"] as? Int ?? 0) * 512
            let size = (p1["size"] as? Int ?? 0) * 512
            #expect(start == 1 << 20, "starts at 1 MiB")
            #expect(start % (1 << 20) == 0 && size % (1 << 20) == 0, "1 MiB aligned: start \(start), size \(size)")
            #expect(try !s.hasMagic(img))

            // And the kernel forgot the old partitions too.
            let name = String(loop.dropFirst(5))
            let nodes = try FileManager.default.contentsOfDirectory(atPath: "/sys/block/\(name)").filter { $0.hasPrefix(name + "p") }
            #expect(nodes == [name + "p1"], "kernel partitions: \(nodes)")

            // A later probe is not confused: it sees a data disk.
            let devices = try s.sh(#""$LW" devices --json --devices \#(loop)"#).stdout
            let entry = (try JSONSerialization.jsonObject(with: Data(devices.utf8)) as? [[String: Any]])?.first
            #expect(entry?["role"] as? String == "data", "\(devices)")
            #expect((entry?["partitions"] as? [Any])?.count == 1)
        }
    }
}
