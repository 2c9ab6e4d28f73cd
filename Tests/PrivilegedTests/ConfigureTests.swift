import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// A NoCloud seed on a real device (ISO 9660 as a CD has it, FAT as a USB stick) is found by
    /// the claim's probe; a seed applied after the claim lands in the overlays, once per
    /// instance-id. (This machine's kernel has neither file system, so the mount of a seed is
    /// left to acceptance/08-configured, on the image's kernel.)
    @Suite("NoCloud seeds, applied by the claim")
    struct Configure {
        static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq1m7bm6rD9wI3cQ3JrL1k2sQ8B5x0p3nXyZ9n0lJk5 test@host"

        /// The accounts of the image, in the sandbox's root.
        static func accounts(_ s: Sandbox) throws {
            try s.write(s.root + "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nop:x:1000:1000::/home/op:/bin/bash\n")
            try s.write(s.root + "/etc/group", "root:x:0:\nshadow:x:42:\nsudo:x:27:op\ndocker:x:100:op\nop:x:1000:\n")
            try s.write(s.root + "/etc/shadow", "root:*:19000:0:99999:7:::\nop:$6$default$hash:19000:0:99999:7:::\n")
            try s.write(s.root + "/etc/gshadow", "root:*::\nshadow:*::\nsudo:*::op\ndocker:*::op\nop:!::\n")
            try s.write(s.root + "/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tlightwhale\n")
            try s.sh("chown 1000:1000 \(s.root)/home/op")
        }

        static func seed(_ s: Sandbox, type: String) throws -> String {
            let dir = s.dir + "/seed"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try s.write(dir + "/meta-data", "instance-id: iid-test-1\nlocal-hostname: meta-name\n")
            try s.write(
                dir + "/user-data",
                """
                #cloud-config
                hostname: seeded
                ssh_authorized_keys: ["\(key)"]
                write_files:
                  - {path: /etc/seeded.conf, content: "a=1\\n", permissions: '0600', owner: 'op:docker'}
                runcmd: [touch /home/op/ran]
                bootcmd: [echo early]

                """)
            if type == "iso9660" {
                let iso = s.dir + "/seed.iso"
                try s.sh("xorriso -as mkisofs -quiet -V cidata -J -R -o \(iso) \(dir) 2>/dev/null")
                return try s.attach(iso, readOnly: true)
            }
            let img = try s.image("seed", size: "8M")
            try s.sh("mkfs.vfat -n CIDATA \(img) >/dev/null")
            return try s.attach(img)
        }

        @Test("the claim finds a cidata seed (ISO 9660 or FAT) and goes on to apply it", .sandbox, arguments: ["iso9660", "vfat"])
        func found(_ type: String) throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            let disk = try s.attach(try s.image("disk", size: "128M", magic: true))
            let seed = try Self.seed(s, type: type)
            try s.ns(#"lw claim claim --root "$R" --devices \#(disk) \#(seed) --json"#)
            let claim = try s.run("claim")
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.mode == "persistent")
            #expect(claim.json["seeds"] as? [String] == [seed])
            #expect(claim.stderr.contains("lwctl: config: "), "the claim went on to the seed: \(claim.stderr)")
            // the login banner's mode, as `lwctl status --brief` says it (S90motd reads it at boot)
            #expect((try? String(contentsOfFile: s.root + "/run/lightwhale/mode", encoding: .utf8)) == "persistent\n")
        }

        @Test("a degraded boot applies no seed, and says why", .sandbox)
        func notOnDegraded() throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            // two data file systems: ambiguous, so the boot is degraded
            let a = try s.attach(try s.image("a", size: "128M", magic: true))
            let b = try s.attach(try s.image("b", size: "128M", magic: true))
            let seed = try Self.seed(s, type: "iso9660")
            try s.ns(
                """
                lw prep1 claim --root "$R" --devices \(a) --no-mount
                lw prep2 claim --root "$R" --devices \(b) --no-mount
                lw claim claim --root "$R" --devices \(a) \(b) \(seed) --json
                lw status status --root "$R" --json
                """)
            let claim = try s.run("claim")
            #expect(claim.mode == "degraded", "\(claim.stderr)")
            #expect(claim.stderr.contains("config: the configuration from \(seed) is refused: not applied on a degraded boot"), "\(claim.stderr)")
            let config = (try s.run("status").json["configuration"] as? [[String: Any]])?.last
            #expect(config?["state"] as? String == "refused")
        }

        @Test("boot parameters hostname= and ssh_key= are applied by the claim, at every boot they are given", .sandbox)
        func bootParameters() throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            let disk = try s.attach(try s.image("disk", size: "128M", magic: true))
            try s.write(s.dir + "/cmdline", "BOOT_IMAGE=/boot/vmlinuz console=ttyS0 hostname=pxe-7 ssh_key=\"\(Self.key)\" quiet\n")
            try s.ns(
                """
                lw claim claim --root "$R" --devices \(disk) --command-line $D/cmdline
                cat "$R/etc/hostname" "$R/home/op/.ssh/authorized_keys" >"$OUT/files"
                ls "$R/etc/lightwhale" >"$OUT/instance" 2>&1 || true
                lw status status --root "$R" --json
                """)
            let claim = try s.run("claim")
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.stderr.contains("lwctl: config: applied the configuration from the boot parameters"), "\(claim.stderr)")
            #expect((try? String(contentsOfFile: s.out + "/files", encoding: .utf8)) == "pxe-7\n\(Self.key)\n")
            #expect((try? String(contentsOfFile: s.out + "/instance", encoding: .utf8))?.contains("instance-id") == false, "boot parameters record no instance")
            let config = (try s.run("status").json["configuration"] as? [[String: Any]])?.last
            #expect(config?["source"] as? String == "the boot parameters")
        }

        @Test("ip= at boot makes the network's plan; a seed's network-config lands in /etc/lightwhale/network.yaml", .sandbox)
        func network() throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            let disk = try s.attach(try s.image("disk", size: "128M", magic: true))
            let dir = s.dir + "/seed"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try s.write(dir + "/meta-data", "instance-id: iid-net-1\n")
            try s.write(dir + "/network-config", "version: 2\nethernets:\n  eth0: {addresses: [10.0.2.15/24], gateway4: 10.0.2.2}\nvlans:\n  v7: {id: 7, link: eth0}\n")
            try s.write(s.dir + "/plain", "BOOT_IMAGE=/boot/vmlinuz quiet\n")
            try s.write(s.dir + "/ip", "BOOT_IMAGE=/boot/vmlinuz ip=10.0.2.20::10.0.2.2:24::eth1:off quiet\n")
            try s.ns(
                """
                lw claim claim --root "$R" --devices \(disk) --command-line $D/ip
                cp "$R/run/lightwhale/network.plan" "$OUT/ip-plan"
                lw configure configure --root "$R" --seed "$D/seed"
                stat -c '%a' "$R/etc/lightwhale/network.yaml" >"$OUT/mode"
                lw net network --root "$R" --write-plan --command-line $D/plain --json
                cp "$R/run/lightwhale/network.plan" "$OUT/plan"
                rm "$R/etc/lightwhale/network.yaml"
                lw none network --root "$R" --write-plan --command-line $D/plain
                test -e "$R/run/lightwhale/network.plan" && echo plan >"$OUT/after" || echo none >"$OUT/after"
                """)
            let claim = try s.run("claim")
            #expect(claim.status == 0)
            #expect(claim.stderr.contains("applied the configuration from the boot parameter ip="), "\(claim.stderr)")
            let ipPlan = (try? String(contentsOfFile: s.out + "/ip-plan", encoding: .utf8)) ?? ""
            #expect(ipPlan.contains("link 0 eth1 - - one -\nup 0\naddr 0 10.0.2.20/24\n"), "\(ipPlan)")
            #expect(try s.run("configure").status == 0)
            #expect((try? String(contentsOfFile: s.out + "/mode", encoding: .utf8)) == "600\n")
            let net = try s.run("net")
            #expect(net.status == 0 && net.json["state"] as? String == "applied", "\(net.stderr)")
            let plan = (try? String(contentsOfFile: s.out + "/plan", encoding: .utf8)) ?? ""
            #expect(plan.contains("link 0 eth0 - - one -\nup 0\naddr 0 10.0.2.15/24\nroute 0 default 10.0.2.2 -\nvlan 1 0 7 v7\n"), "\(plan)")
            #expect(try s.run("none").stdout.contains("DHCP on every wired interface"))
            #expect((try? String(contentsOfFile: s.out + "/after", encoding: .utf8)) == "none\n", "no configuration: the old plan is gone")
        }

        @Test("a disk prepared by lwctl enable --authorized-keys --hostname --network is configured by its claim, and the payload erased", .sandbox)
        func preparedDisk() throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            let disk = try s.attach(try s.image("disk", size: "128M"))
            try s.write(s.dir + "/keys", "# op's keys\n\(Self.key)\n\n")
            try s.ns(
                """
                lw bad enable \(disk) --yes --hostname web_1
                dd if=\(disk) bs=28 count=1 status=none | od -c | head -1 >"$OUT/untouched"
                lw enable enable \(disk) --yes --authorized-keys $D/keys --hostname web-1 --password-hash '$6$salt$abcdefghijklmnopqrstuv' \\
                    --network static:10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3
                dd if=\(disk) bs=65536 skip=1 count=1 status=none | head -c 8 >"$OUT/tag"
                lw claim claim --root "$R" --devices \(disk)
                cat "$R/etc/hostname" "$R/home/op/.ssh/authorized_keys" >"$OUT/files"
                grep '^op:' "$R/etc/shadow" >"$OUT/shadow"
                cp "$R/run/lightwhale/network.plan" "$OUT/plan"
                dd if=\(disk) bs=65536 skip=1 count=8 status=none | tr -d '\\0' | wc -c >"$OUT/left"
                lw status status --root "$R" --json
                """)
            let bad = try s.run("bad")
            #expect(bad.status == 2 && bad.stderr.contains("not enabling: user-data: hostname: refused"), "\(bad.stderr)")
            #expect((try? String(contentsOfFile: s.out + "/untouched", encoding: .utf8))?.contains("l   i   g   h   t") == false, "a refused configuration writes nothing")
            #expect(try s.run("enable").status == 0)
            #expect((try? String(contentsOfFile: s.out + "/tag", encoding: .utf8)) == "LWSEED01")
            let claim = try s.run("claim")
            #expect(claim.status == 0, "\(claim.stderr)")
            #expect(claim.stderr.contains("config: applied the configuration of instance lwctl-enable-"), "\(claim.stderr)")
            #expect((try? String(contentsOfFile: s.out + "/files", encoding: .utf8)) == "web-1\n\(Self.key)\n")
            #expect((try? String(contentsOfFile: s.out + "/shadow", encoding: .utf8))?.hasPrefix("op:$6$salt$abcdefghijklmnopqrstuv:") == true)
            #expect((try? String(contentsOfFile: s.out + "/plan", encoding: .utf8))?.contains("link 0 e* - - one -\nup 0\naddr 0 10.0.2.15/24\n") == true)
            #expect((try? String(contentsOfFile: s.out + "/left", encoding: .utf8)) == "0\n", "the payload (password hash) is erased once applied")
            let config = try s.run("status").json["configuration"] as? [[String: Any]]
            #expect((config?.first?["source"] as? String)?.hasPrefix("the opt-in's payload on ") == true, "\(String(describing: config))")
        }

        @Test("a seed applied after the claim writes the data disk's /etc and /home; a second time, nothing", .sandbox)
        func appliedOnce() throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            let disk = try s.attach(try s.image("disk", size: "128M", magic: true))
            _ = try Self.seed(s, type: "iso9660")
            try s.ns(
                """
                lw claim claim --root "$R" --devices \(disk)
                lw first configure --root "$R" --seed "$D/seed" --json
                stat -c '%a %u:%g' "$R/home/op/.ssh" "$R/home/op/.ssh/authorized_keys" "$R/etc/seeded.conf" >"$OUT/modes"
                cat "$R/etc/hostname" "$R/home/op/.ssh/authorized_keys" "$R/etc/seeded.conf" >"$OUT/files"
                grep '^op:' "$R/etc/shadow" >"$OUT/shadow"
                cat "$R/etc/ssh/sshd_config.d/40-lightwhale-config.conf" >"$OUT/sshd"
                cat "$R/run/lightwhale/runcmd" >"$OUT/runcmd"
                # the writes went to the data disk's upper layer, not the lower one
                ls "$R/mnt/lightwhale-data/overlay/etc/upper" >"$OUT/upper"
                lw status status --root "$R"
                lw_unmount_all
                rm -f "$R/run/lightwhale/config.json"
                lw claim2 claim --root "$R" --devices \(disk)
                lw second configure --root "$R" --seed "$D/seed"
                cat "$R/etc/hostname" >"$OUT/hostname2"
                lw status2 status --root "$R" --json
                """)
            let first = try s.run("first")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try s.run("claim").status == 0)
            #expect(first.json["state"] as? String == "applied")
            #expect(first.stderr.contains("lwctl: config: applied the configuration of instance iid-test-1 from \(s.dir)/seed"), "\(first.stderr)")
            #expect(first.stderr.contains("user-data: bootcmd: not applied"), "\(first.stderr)")
            let read = { (name: String) in (try? String(contentsOfFile: s.out + "/" + name, encoding: .utf8)) ?? "" }
            #expect(read("modes") == "700 1000:1000\n600 1000:1000\n600 1000:100\n")
            #expect(read("files") == "seeded\n\(Self.key)\na=1\n")
            #expect(read("shadow").hasPrefix("op:*:"), "op's password locked once it has keys")
            #expect(read("sshd").contains("PasswordAuthentication no"))
            #expect(read("runcmd").contains("touch /home/op/ran"))
            #expect(read("upper").split(separator: "\n").contains("seeded.conf"))
            #expect(try s.run("status").stdout.contains("configuration: applied the configuration of instance iid-test-1"))

            let second = try s.run("second")
            #expect(try s.run("claim2").status == 0)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("was applied at an earlier boot: nothing to do"), "\(second.stderr)")
            #expect(read("hostname2") == "seeded\n", "the hostname persisted on the data disk")
            let config = (try s.run("status2").json["configuration"] as? [[String: Any]])?.last
            #expect(config?["state"] as? String == "already-applied")
        }

        @Test("ntp and timezone: chrony's sources file, /etc/localtime a link into zoneinfo; a zone the image lacks is refused", .sandbox)
        func clock() throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            try FileManager.default.createDirectory(atPath: s.root + "/usr/share/zoneinfo/Europe", withIntermediateDirectories: true)
            try s.write(s.root + "/usr/share/zoneinfo/Europe/Copenhagen", "TZif2 (a stand-in)\n")
            try s.sh("ln -sfn /usr/share/zoneinfo/Etc/UTC \(s.root)/etc/localtime")
            for (name, zone) in [("seed", "Europe/Copenhagen"), ("mars", "Mars/Olympus")] {
                let dir = s.dir + "/" + name
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try s.write(dir + "/meta-data", "instance-id: iid-\(name)\n")
                try s.write(dir + "/user-data", "#cloud-config\nntp:\n  servers: [10.0.2.2]\n  enabled: false\ntimezone: \(zone)\n")
            }
            try s.ns(
                """
                lw first configure --root "$R" --seed "$D/seed"
                readlink "$R/etc/localtime" >"$OUT/localtime"
                cat "$R/etc/timezone" "$R/etc/chrony/sources.d/lightwhale-config.sources" "$R/etc/lightwhale/ntp-off" >"$OUT/files"
                lw mars configure --root "$R" --seed "$D/mars"
                readlink "$R/etc/localtime" >"$OUT/localtime2"
                """)
            let read = { (name: String) in (try? String(contentsOfFile: s.out + "/" + name, encoding: .utf8)) ?? "" }
            let first = try s.run("first")
            #expect(first.status == 0, "\(first.stderr)")
            #expect(read("localtime") == "/usr/share/zoneinfo/Europe/Copenhagen\n")
            #expect(read("files").hasPrefix("Europe/Copenhagen\n# From the configuration (iid-seed): ntp.servers and ntp.pools\nserver 10.0.2.2 iburst\n# From"))
            #expect(first.stderr.contains("lwctl: config:   NTP client off"), "\(first.stderr)")
            let mars = try s.run("mars")
            #expect(mars.stderr.contains("user-data: timezone: refused (no zone 'Mars/Olympus' in the image's /usr/share/zoneinfo)"), "\(mars.stderr)")
            #expect(read("localtime2") == "/usr/share/zoneinfo/Europe/Copenhagen\n", "the refused zone changed nothing")
        }

        @Test("lwctl configure: --dry-run writes nothing; a seed without instance-id is refused, exit 1", .sandbox)
        func dryRunAndRefusal() throws {
            let s = try Sandbox.get
            try Self.accounts(s)
            _ = try Self.seed(s, type: "iso9660")
            let bad = s.dir + "/bad"
            try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: true)
            try s.write(bad + "/meta-data", "local-hostname: x\n")
            try s.ns(
                """
                lw dry configure --root "$R" --seed $D/seed --dry-run --json
                lw bad configure --root "$R" --seed \(bad)
                lw usage configure --root "$R"
                """)
            let dry = try s.run("dry")
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.json["state"] as? String == "applied")
            #expect(dry.stderr.contains("(dry run)"))
            #expect(try String(contentsOfFile: s.root + "/etc/hostname", encoding: .utf8) == "lightwhale\n")
            #expect(!FileManager.default.fileExists(atPath: s.root + "/etc/lightwhale/instance-id"))
            let refused = try s.run("bad")
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("meta-data has no instance-id"), "\(refused.stderr)")
            #expect(try s.run("usage").status == 2)
        }
    }
}
