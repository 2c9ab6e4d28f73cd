import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// `lwctl backup` of a claimed data disk and `lwctl restore` onto another loop device, which
    /// a second root then claims as the boot would: what was kept comes back, byte for byte; a
    /// cut, altered or foreign archive leaves no data disk.
    @Suite("Backup and restore")
    struct BackupRestore {
        /// `$D/lower` is the image's root as it was before the claim; `tree ROOT NAME` lists
        /// what persists under ROOT (type, mode, owner, size, link count; the archive left out)
        /// and every file's SHA-256 into $OUT/NAME.{tree,sums}.
        static let helpers = #"""
            set -e
            tree() {
                (cd "$1" && find etc home var/www mnt/lightwhale-data/docker/volumes -path home/op/b.tar.zst -prune -o \
                    -printf '%p %y %m %U:%G %s %n %l\n' | sort) >"$OUT/$2.tree"
                (cd "$1" && find etc home var/www mnt/lightwhale-data/docker/volumes -path home/op/b.tar.zst -prune -o \
                    -type f -print0 | sort -z | xargs -0 sha256sum) >"$OUT/$2.sums"
            }
            """#

        @Test("a backup restored onto a new disk is claimed as data and holds the same files, whiteouts, links, owners and volumes", .sandbox)
        func roundTrip() throws {
            let s = try Sandbox.get
            let one = try s.attach(try s.image("one", size: "128M", magic: true))
            let two = try s.attach(try s.image("two", size: "160M"))
            try s.ns(
                Self.helpers + "\n" + """
                    echo "the image's" >"$R/etc/gone"
                    cp -a "$R" "$D/lower"
                    lw claim claim --root "$R" --devices \(one) --json
                    echo "the owner's motd" >"$R/etc/motd"
                    rm "$R/etc/gone"
                    mkdir -p "$R/home/op/.ssh" "$R/etc/ssh/sshd_config.d"
                    echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB test" >"$R/home/op/.ssh/authorized_keys"
                    chmod 700 "$R/home/op/.ssh" && chmod 600 "$R/home/op/.ssh/authorized_keys"
                    chown -R 1000:1000 "$R/home/op"
                    head -c 3M /dev/urandom >"$R/home/op/blob"
                    ln "$R/home/op/blob" "$R/home/op/blob-hardlink"
                    ln -s blob "$R/home/op/blob-symlink"
                    printf 'odd' >"$R/home/op/$(printf 'new\\nline \\033[31m')"
                    echo "PasswordAuthentication no" >"$R/etc/ssh/sshd_config.d/50-owner.conf"
                    mkdir -p "$R/mnt/lightwhale-data/docker/volumes/web/_data"
                    head -c 1M /dev/urandom >"$R/mnt/lightwhale-data/docker/volumes/web/_data/page"
                    tree "$R" before
                    lw backup backup --root "$R" --output "$R/home/op/b.tar.zst" --json
                    stat -c '%a %s' "$R/home/op/b.tar.zst" >"$OUT/archive.stat" || true
                    lw restore restore "$R/home/op/b.tar.zst" --device \(two) --yes --root "$R" --json
                    cp -a "$D/lower" "$D/second"
                    lw claim2 claim --root "$D/second" --devices \(two) --json
                    tree "$D/second" after
                    ls "$D/second/mnt/lightwhale-data/lightwhale/restored" >"$OUT/restored.ls" || true
                    ls "$D/second/etc" >"$OUT/etc.ls"
                    """)
            #expect(try s.run("claim").mode == "persistent")
            let backup = try s.run("backup")
            #expect(backup.status == 0, "\(backup.stderr)")
            #expect(backup.json["withImages"] as? Bool == false)
            #expect((backup.json["fileBytes"] as? Int ?? 0) > 4 << 20, "\(backup.json)")
            #expect(try String(contentsOfFile: s.out + "/archive.stat", encoding: .utf8).hasPrefix("600 "), "root alone reads it")
            let restore = try s.run("restore")
            #expect(restore.status == 0, "\(restore.stderr)")
            #expect(restore.json["files"] as? Int == backup.json["files"] as? Int, "\(restore.json)")
            let claim2 = try s.run("claim2")
            #expect(claim2.mode == "persistent", "the restored disk is a data disk: \(claim2.json)")
            let before = try String(contentsOfFile: s.out + "/before.tree", encoding: .utf8)
            #expect(before.contains("home/op/blob f 644 0:0 3145728 2"), "the hard link is kept as one: \(before)")
            #expect(try String(contentsOfFile: s.out + "/after.tree", encoding: .utf8) == before)
            #expect(try String(contentsOfFile: s.out + "/after.sums", encoding: .utf8) == String(contentsOfFile: s.out + "/before.sums", encoding: .utf8))
            #expect(!(try String(contentsOfFile: s.out + "/etc.ls", encoding: .utf8)).contains("gone"), "the whiteout came back")
            #expect(try String(contentsOfFile: s.out + "/restored.ls", encoding: .utf8) == "lightwhale-backup.json\nlightwhale-backup.sums\n")
        }

        @Test("a cut, altered or foreign archive is refused with its reason, and no boot takes the disk for data", .sandbox)
        func damagedArchives() throws {
            let s = try Sandbox.get
            let one = try s.attach(try s.image("one", size: "128M", magic: true))
            let two = try s.attach(try s.image("two", size: "128M"))
            let three = try s.attach(try s.image("three", size: "128M"))
            try s.ns(
                Self.helpers + "\n" + """
                    cp -a "$R" "$D/lower"
                    lw volatile backup --root "$D/lower" --output "$D/v.tar.zst" --json
                    lw claim claim --root "$R" --devices \(one) --json
                    head -c 2M /dev/urandom >"$R/home/op/blob"
                    lw backup backup --root "$R" --output "$D/b.tar.zst" --json
                    size=$(stat -c %s "$D/b.tar.zst")
                    head -c $((size / 2)) "$D/b.tar.zst" >"$D/cut.tar.zst"
                    cp "$D/b.tar.zst" "$D/bent.tar.zst"
                    printf 'X' | dd of="$D/bent.tar.zst" bs=1 seek=$((size / 2)) conv=notrunc status=none
                    printf 'not a backup\\n' >"$D/plain"
                    lw cut restore "$D/cut.tar.zst" --device \(two) --yes --root "$R" --json
                    cp -a "$D/lower" "$D/after-cut"
                    lw claim-cut claim --root "$D/after-cut" --devices \(two) --json
                    lw bent restore "$D/bent.tar.zst" --device \(three) --yes --root "$R" --json
                    sha256sum <\(three) >"$OUT/three.before"
                    lw plain restore "$D/plain" --device \(three) --yes --root "$R" --json
                    sha256sum <\(three) >"$OUT/three.after"
                    lw data restore "$D/b.tar.zst" --device \(one) --yes --root "$R" --json
                    grep -c "restore\\." /proc/self/mountinfo >"$OUT/left-mounted" || true
                    """)
            let volatile = try s.run("volatile")
            #expect(volatile.status == 1 && volatile.json["code"] as? String == "not-persistent", "\(volatile.stderr)")
            #expect(try s.run("backup").status == 0)
            let cut = try s.run("cut")
            #expect(cut.status == 1 && cut.json["code"] as? String == "damaged", "\(cut.json) \(cut.stderr)")
            #expect(cut.stderr.contains("unfinished restore (partition lightwhale-restoring)"), "\(cut.stderr)")
            let claimCut = try s.run("claim-cut")
            #expect(claimCut.mode == "volatile", "what the cut restore left is not data: \(claimCut.json)")
            let bent = try s.run("bent")
            #expect(bent.status == 1 && ["damaged", "mismatch"].contains(bent.json["code"] as? String ?? ""), "\(bent.json) \(bent.stderr)")
            let plain = try s.run("plain")
            #expect(plain.status == 1 && plain.json["code"] as? String == "not-a-backup", "\(plain.json) \(plain.stderr)")
            #expect(try String(contentsOfFile: s.out + "/three.after", encoding: .utf8) == String(contentsOfFile: s.out + "/three.before", encoding: .utf8),
                "a file that is not a backup is refused before the disk is written")
            let data = try s.run("data")
            #expect(data.status == 1 && (data.stderr.contains("mounted") || data.stderr.contains("--force")), "the data disk in use is not restored over: \(data.stderr)")
            #expect(try String(contentsOfFile: s.out + "/left-mounted", encoding: .utf8) == "0\n")
        }
    }
}
