import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// `lwctl status` is computed on demand, so it sees what went wrong after the boot's claim:
    /// a data file system filled up, turned read-only, or whose device went away.
    @Suite("Status after the claim: full, read-only, gone")
    struct LiveStatus {
        @Test("a data file system filled until ENOSPC: status says full (JSON and words), and stays persistent", .sandbox)
        func full() throws {
            let s = try Sandbox.get
            let loop = try s.attach(try s.image("disk", size: "128M", magic: true))
            try s.ns(
                """
                lw claim claim --root "$R" --devices \(loop) --json
                lw before status --root "$R" --json
                # As root, so that ext4's reserve for root is filled too.
                dd if=/dev/zero of="$R/mnt/lightwhale-data/filler" bs=1M status=none 2>"$OUT/dd.err"
                sync
                lw after status --root "$R" --json
                lw words status --root "$R"
                """)
            #expect(try s.run("claim").mode == "persistent")
            let before = try s.run("before")
            #expect(before.json["full"] as? Bool == false, "\(before.json)")
            #expect((before.json["warnings"] as? [Any])?.isEmpty == true)
            let dd = (try? String(contentsOfFile: s.out + "/dd.err", encoding: .utf8)) ?? ""
            #expect(dd.contains("No space left on device"), "filled until ENOSPC: \(dd)")

            let after = try s.run("after")
            #expect(after.status == 0)
            #expect(after.mode == "persistent", "a full disk is still the owner's disk in use")
            #expect(after.json["full"] as? Bool == true, "\(after.json)")
            #expect((after.json["free"] as? Int).map { $0 < 1 << 20 } == true, "free: \(after.json["free"] ?? "")")
            let warnings = after.json["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.map { $0["code"] as? String } == ["data-full"])
            #expect((warnings.first?["message"] as? String)?.contains("docker system prune") == true)
            let words = try s.run("words").stdout
            #expect(words.contains("(FULL)") && words.contains("WARNING:    the data file system is full"), "\(words)")
        }

        /// By hand (`mount -o remount,ro`), and as ext4 does it itself after an error
        /// (errors=remount-ro, which the claim's mke2fs sets; the kernel's trigger_fs_error
        /// raises an error without damaging anything): only the superblock turns read-only then.
        @Test("a data file system turned read-only after the claim: status says degraded, data-read-only", .sandbox, arguments: ["remount", "ext4-error"])
        func readOnly(_ how: String) throws {
            let s = try Sandbox.get
            let loop = try s.attach(try s.image("disk", size: "128M", magic: true))
            let part = s.partitionNode(loop, 1)
            let turnReadOnly =
                how == "remount"
                ? #"mount -o remount,ro "$R/mnt/lightwhale-data""#
                : "echo 1 >/sys/fs/ext4/\(part.dropFirst("/dev/".count))/trigger_fs_error"
            try s.ns(
                """
                lw claim claim --root "$R" --devices \(loop) --json
                lw before status --root "$R" --brief
                \(turnReadOnly)
                touch "$R/etc/after-read-only" 2>"$OUT/touch.err" || echo refused >"$OUT/touch"
                lw after status --root "$R" --json
                lw brief status --root "$R" --brief
                lw words status --root "$R"
                """)
            #expect(try s.run("claim").mode == "persistent")
            #expect(try s.run("before").stdout == "persistent\n")
            #expect(FileManager.default.fileExists(atPath: s.out + "/touch"), "writes to /etc fail, as status says")
            let after = try s.run("after")
            #expect(after.status == 0)
            #expect(after.mode == "degraded", "\(after.json)")
            #expect(after.json["reasonCode"] as? String == "data-read-only")
            #expect(after.json["dataDevice"] as? String == part)
            #expect((after.json["lastClaim"] as? [String: Any])?["mode"] as? String == "persistent", "the claim's report is kept as it was")
            #expect(try s.run("brief").stdout == "degraded\n", "the banner's word")
            #expect(try s.run("words").stdout.hasPrefix("Lightwhale is degraded\n  why:        degraded: the data file system on \(part)"))
        }

        /// A loop device cannot be removed while mounted, so the disk's going is played by its
        /// node: the data file system is mounted from a node of its own, which is then removed, as
        /// devtmpfs removes a pulled disk's. (Its /sys/dev/block entry going is the pure tests'.)
        @Test("the data file system's device node gone: status says degraded, data-disk-gone", .sandbox)
        func deviceGone() throws {
            let s = try Sandbox.get
            let loop = try s.attach(try s.image("disk", size: "128M", magic: true))
            let name = s.partitionNode(loop, 1).dropFirst("/dev/".count)
            try s.ns(
                """
                set -e
                lw claim claim --root "$R" --devices \(loop) --no-mount --json
                mm=$(cat /sys/class/block/\(name)/dev)
                mknod "$D/data-node" b "${mm%:*}" "${mm#*:}"
                mount -t ext4 -o nodev,nosuid "$D/data-node" "$R/mnt/lightwhale-data"
                lw present status --root "$R" --json
                rm "$D/data-node"
                lw gone status --root "$R" --json
                """)
            #expect(try s.run("claim").status == 0)
            let present = try s.run("present")
            #expect(present.mode == "persistent", "\(present.json)")
            let gone = try s.run("gone")
            #expect(gone.status == 0)
            #expect(gone.mode == "degraded", "\(gone.json)")
            #expect(gone.json["reasonCode"] as? String == "data-disk-gone")
            #expect((gone.json["reason"] as? String)?.contains("Reattach the disk and reboot") == true)
        }
    }
}
