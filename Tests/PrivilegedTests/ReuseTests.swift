import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// I3 from both sides: a fresh magic on an old persistence disk licenses erasing it; a failing
    /// check never does (tmpfs fallback, data untouched).
    @Suite("Old persistence disks (I3)")
    struct Reuse {
        enum Licence: String, CaseIterable, CustomTestStringConvertible {
            case lwctlEnable = "lwctl enable --yes --force"
            case guideEcho = "echo | dd conv=notrunc"
            var testDescription: String { rawValue }
        }

        @Test("a fresh magic on a claimed disk: the next claim reformats it (new UUID, old files gone)", .sandbox, arguments: Licence.allCases)
        func freshMagicReformats(_ licence: Licence) throws {
            let s = try Sandbox.get
            let img = try s.image("disk", size: "160M", magic: true)
            let loop = try s.attach(img)
            try s.ns(
                """
                lw first claim --root "$R" --devices \(loop) --json
                echo "old data" >"$R/etc/old.conf"
                echo "old volume" >"$R/mnt/lightwhale-data/docker/old"
                """)
            #expect(try s.run("first").status == 0)
            let oldUUID = try #require(s.blkid(s.partitionNode(loop, 1))["UUID"])

            let loop2 = try s.reboot(loop, image: img)
            switch licence {
            case .lwctlEnable:
                // The disk holds the owner's data: without --force, enable refuses and writes nothing.
                try s.ns(
                    #"""
                    lw refused enable \#(loop2) --yes
                    lw enable enable \#(loop2) --yes --force
                    """#)
                let refused = try s.run("refused")
                #expect(refused.status == 1 && refused.stderr.contains("holds Lightwhale's data") && refused.stderr.contains("--force"), "\(refused.stderr)")
                let enable = try s.run("enable")
                #expect(enable.status == 0, "\(enable.stderr)")
            case .guideEcho:
                try s.writeMagic(loop2)
            }
            #expect(try s.hasMagic(img))

            try s.ns(
                """
                lw second claim --root "$R" --devices \(loop2) --json
                lw_mounts after
                ls -A "$R/mnt/lightwhale-data/docker" >"$OUT/docker-ls"
                test -e "$R/etc/old.conf" && echo present >"$OUT/old-conf" || true
                """)
            let second = try s.run("second")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.mode == "persistent")
            #expect(second.actions.contains("wipe-signatures") && second.actions.contains("make-filesystem"), "\(second.actions)")
            let newFS = try s.blkid(s.partitionNode(loop2, 1))
            #expect(newFS["UUID"] != nil && newFS["UUID"] != oldUUID, "a new file system")
            #expect(newFS["LABEL"] == "lightwhale-data")
            #expect(!FileManager.default.fileExists(atPath: s.out + "/old-conf"), "old /etc file gone")
            #expect((try String(contentsOfFile: s.out + "/docker-ls", encoding: .utf8)).isEmpty, "old docker data gone")
            #expect(try !s.hasMagic(img))
        }

        @Test("e2fsck -p fails: degraded, the owner's /etc and /home read-only beneath a tmpfs, nothing written", .sandbox)
        func fsckFailureDegradesReadOnly() throws {
            let s = try Sandbox.get
            let img = try s.image("disk", size: "160M", magic: true)
            let loop = try s.attach(img)
            try s.ns(
                """
                lw first claim --root "$R" --devices \(loop) --json
                echo "precious" >"$R/home/op-precious"
                echo "PasswordAuthentication no" >"$R/etc/owner.conf"
                echo "victim" >"$R/mnt/lightwhale-data/docker/victim"
                """)
            #expect(try s.run("first").status == 0)
            let part = s.partitionNode(loop, 1)
            // Damage that preen mode refuses to repair (exit 4) but that still mounts read-only: a
            // file's extent pointed at another file's block (both then claim it), and the file
            // system marked not clean so that -p looks at all.
            try s.sh(
                """
                b=$(debugfs -R 'bmap /overlay/etc/upper/owner.conf 0' \(part))
                debugfs -w -R "sif /docker/victim block[5] $b" \(part) && debugfs -w -R 'ssv state 0' \(part)
                """)
            let partStart: UInt64 = 1 << 20
            let bodyBefore = try s.sha256(img, offset: partStart + 4096)

            let loop2 = try s.reboot(loop, image: img)
            try s.ns(
                """
                lw second claim --root "$R" --devices \(loop2) --json
                lw status status --root "$R" --json
                lw brief status --root "$R" --brief
                lw_mounts after
                cat "$R/home/op-precious" "$R/etc/owner.conf" >"$OUT/owners" 2>&1 || true
                echo "degraded write" >"$R/etc/volatile" && echo ok >"$OUT/write"
                test -e "$R/etc/ssh/sshd_config.d/00-lightwhale-degraded.conf" && echo present >"$OUT/dropin" || true
                """)
            let second = try s.run("second")
            #expect(second.status == 0, "the fallback still boots: \(second.stderr)")
            #expect(second.mode == "degraded", "\(second.json["decision"] ?? "")")
            #expect(try #require(second.fallback, "the report says why").contains("e2fsck -p exited 4"))
            #expect(second.stderr.contains("lwctl: checking \(s.partitionNode(loop2, 1)): e2fsck pass 1 of 5, 0%"), "e2fsck's progress is logged: \(second.stderr)")
            #expect(second.steps.contains { ($0["action"] as? String) == "check-filesystem" && ($0["result"] as? String) == "failed" })
            #expect(second.steps.contains { ($0["action"] as? String) == "mount-read-only" && ($0["result"] as? String) == "done" })
            #expect(!second.actions.contains("refuse-password-logins"), "the owner's settings apply as they were left")
            let mounts = try s.mounts("after")
            #expect(mounts.contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.type == "tmpfs" })
            let ro = try #require(mounts.first { $0.target == s.root + "/run/lightwhale/read-only-data" }, "\(mounts)")
            #expect(ro.type == "ext4" && ro.options.split(separator: ",").contains("ro"), "\(ro)")
            #expect(mounts.filter { $0.type == "overlay" }.count == 3)
            #expect(try String(contentsOfFile: s.out + "/owners", encoding: .utf8) == "precious\nPasswordAuthentication no\n")
            #expect(FileManager.default.fileExists(atPath: s.out + "/write"), "writes go to the tmpfs")
            #expect(!FileManager.default.fileExists(atPath: s.out + "/dropin"), "no password lock: the owner's sshd settings apply")
            let status = try s.run("status")
            #expect(status.mode == "degraded" && status.json["reasonCode"] as? String == "degraded")
            #expect((status.json["reason"] as? String)?.contains("read-only") == true, "\(status.json["reason"] ?? "")")
            #expect(try s.run("brief").stdout == "degraded\n")
            // e2fsck -p, when it gives up, may record that in the superblock (first 4 KiB); the rest
            // of the file system must be exactly as it was: no journal replay, no write.
            #expect(try s.sha256(img, offset: partStart + 4096) == bodyBefore, "no byte of the data file system past its superblock changed")
        }

        @Test("a data file system that cannot even be mounted: degraded, password logins refused, the disk untouched", .sandbox)
        func unreadableDataRefusesPasswords() throws {
            let s = try Sandbox.get
            let img = try s.image("disk", size: "160M", magic: true)
            let loop = try s.attach(img)
            try s.ns(#"lw first claim --root "$R" --devices \#(loop) --json"#)
            #expect(try s.run("first").status == 0)
            let part = s.partitionNode(loop, 1)
            // The root directory's inode cleared: e2fsck -p gives up, and ext4 will not mount it.
            try s.sh("debugfs -w -R 'clri <2>' \(part) && debugfs -w -R 'ssv state 0' \(part)")
            let partStart: UInt64 = 1 << 20
            let before = try s.blkid(part)
            let bodyBefore = try s.sha256(img, offset: partStart + 4096)

            let loop2 = try s.reboot(loop, image: img)
            try s.ns(
                """
                lw second claim --root "$R" --devices \(loop2) --json
                lw status status --root "$R" --json
                lw_mounts after
                cat "$R/etc/ssh/sshd_config.d/00-lightwhale-degraded.conf" >"$OUT/dropin"
                """)
            let second = try s.run("second")
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.mode == "degraded")
            #expect((second.json["decision"] as? String)?.contains("not even read-only") == true, "\(second.json["decision"] ?? "")")
            #expect(second.actions.last == "refuse-password-logins")
            #expect(!second.actions.contains("make-filesystem") && !second.actions.contains("wipe-signatures"))
            let dropin = try String(contentsOfFile: s.out + "/dropin", encoding: .utf8)
            #expect(dropin.contains("\nPasswordAuthentication no\n") && dropin.contains("\nKbdInteractiveAuthentication no\n"))
            let mounts = try s.mounts("after")
            #expect(mounts.contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.type == "tmpfs" })
            #expect(!mounts.contains { $0.target == s.root + "/run/lightwhale/read-only-data" })
            let status = try s.run("status")
            #expect((status.json["reason"] as? String)?.contains("password logins over SSH are off") == true, "\(status.json["reason"] ?? "")")
            let after = try s.blkid(img, offset: partStart)
            #expect(after["UUID"] == before["UUID"] && after["LABEL"] == "lightwhale-data", "the data file system is still there")
            #expect(try s.sha256(img, offset: partStart + 4096) == bodyBefore, "no byte of the data file system past its superblock changed")
        }
    }
}
