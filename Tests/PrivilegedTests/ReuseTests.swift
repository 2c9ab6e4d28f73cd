import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// I3 from both sides: a fresh magic on an old persistence disk licenses erasing it; a failing
    /// check never does (tmpfs fallback, data untouched).
    @Suite("Old persistence disks (I3)")
    struct Reuse {
        enum Licence: String, CaseIterable, CustomTestStringConvertible {
            case lwctlEnable = "lwctl enable --yes"
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
                try s.ns(#"lw enable enable \#(loop2) --yes"#)
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

        @Test("e2fsck -p fails: volatile on a tmpfs with overlays, reported, and the data disk is not reformatted", .sandbox)
        func fsckFailureFallsBack() throws {
            let s = try Sandbox.get
            let img = try s.image("disk", size: "160M", magic: true)
            let loop = try s.attach(img)
            try s.ns(
                """
                lw first claim --root "$R" --devices \(loop) --json
                echo "precious" >"$R/home/op/precious"
                """)
            #expect(try s.run("first").status == 0)
            let part = s.partitionNode(loop, 1)
            let before = try s.blkid(part)
            // Damage that preen mode refuses to repair (exit 4): the root inode cleared, and the file
            // system marked not clean so that -p looks at all.
            try s.sh("debugfs -w -R 'clri <2>' \(part) && debugfs -w -R 'ssv state 0' \(part)")
            let partStart: UInt64 = 1 << 20
            // e2fsck -p, when it gives up, may record that in the superblock (first 4 KiB); the rest
            // of the file system must be exactly as it was.
            let bodyBefore = try s.sha256(img, offset: partStart + 4096)

            let loop2 = try s.reboot(loop, image: img)
            try s.ns(
                """
                lw second claim --root "$R" --devices \(loop2) --json
                lw status status --root "$R" --json
                lw brief status --root "$R" --brief
                lw_mounts after
                echo "volatile write" >"$R/etc/volatile"
                """)
            let second = try s.run("second")
            #expect(second.status == 0, "the fallback still boots: \(second.stderr)")
            #expect(second.mode == "volatile")
            let fallback = try #require(second.fallback, "the report says why")
            #expect(fallback.contains("check"), "\(fallback)")
            #expect(!second.actions.contains("make-filesystem") && !second.actions.contains("wipe-signatures"))
            #expect(second.steps.contains { ($0["action"] as? String) == "check-filesystem" && ($0["result"] as? String) == "failed" })
            let mounts = try s.mounts("after")
            #expect(mounts.contains { $0.target == s.root + "/mnt/lightwhale-data" && $0.type == "tmpfs" })
            #expect(mounts.filter { $0.type == "overlay" }.count == 3)
            let status = try s.run("status")
            #expect(status.mode == "volatile")
            #expect((status.json["reason"] as? String)?.contains("check") == true, "status is loud about it: \(status.json["reason"] ?? "")")
            #expect(status.json["reasonCode"] as? String == "fell-back")
            #expect(try s.run("brief").stdout == "volatile\n", "status --brief")

            let after = try s.blkid(img, offset: partStart)
            #expect(after["UUID"] == before["UUID"] && after["LABEL"] == "lightwhale-data", "the data file system is still there")
            #expect(try s.sha256(img, offset: partStart + 4096) == bodyBefore, "no byte of the data file system past its superblock changed")
        }
    }
}
