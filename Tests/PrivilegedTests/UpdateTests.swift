import Foundation
import TestSupport
import Testing

extension PrivilegedTests {
    /// `lwctl update` on real ISO images (xorriso, as the build makes them) and a claimed data
    /// disk: what is staged, and that every refusal leaves the data disk as it was.
    @Suite("Update: staging a signed image")
    struct UpdateStaging {
        /// The running system (2.1.3, trusting `$D/trusted.key`), a second key, and a signed 2.2.0 image tree.
        static let setup = #"""
            set -e
            mkdir -p "$R/usr/lib/lightwhale" "$D/tree/boot"
            printf 'NAME=Lightwhale\nVERSION=2.1.3\n' >"$R/etc/lightwhale-release"
            "$LWSIGN" keygen "$D/trusted.key"
            "$LWSIGN" public "$D/trusted.key" "$R/usr/lib/lightwhale/update.pub"
            "$LWSIGN" keygen "$D/other.key"
            for f in vmlinuz:2 initrd.img:1 rootfs.squashfs:3 cold.squashfs:2; do
                head -c "${f#*:}M" /dev/urandom >"$D/tree/boot/${f%:*}"
            done
            h() { printf "%064d" "$1"; }
            # The running image's /etc and the new one's: motd and gone changed, added added.
            printf '%s  %s\n' "$(h 1)" etc/motd "$(h 2)" etc/hostname "$(h 3)" etc/gone >"$R/usr/lib/lightwhale/etc.sums"
            printf '%s  %s\n' "$(h 4)" etc/motd "$(h 2)" etc/hostname "$(h 5)" etc/added "$(h 6)" etc/gone >"$D/tree/boot/etc.sums"
            echo "the image's" >"$R/etc/gone"
            FILES="boot/vmlinuz boot/initrd.img boot/rootfs.squashfs boot/cold.squashfs boot/etc.sums"
            sign() { "$LWSIGN" manifest --key "$1" --version "$2" --stamp "lightwhale-$2-test" "$D/tree" $FILES; }
            iso() { xorriso -as mkisofs -quiet -R -V LIGHTWHALE -o "$D/$1.iso" "$D/tree"; }
            tree() { (cd "$R/mnt/lightwhale-data/lightwhale" 2>/dev/null && find . -printf '%p %s\n' | sort) >"$OUT/$1.tree" || true; }
            """#

        /// The setup, a signed 2.2.0 image ($D/new.iso) and a claim of the test's disk (with the
        /// guide's magic when `persistent`), then `script`.
        static func run(persistent: Bool = true, _ script: String) throws -> Sandbox {
            let s = try Sandbox.get
            let loop = try s.attach(try s.image("disk", size: persistent ? "128M" : "64M", magic: persistent))
            try s.ns(
                setup + "\n" + """
                    sign "$D/trusted.key" 2.2.0 && iso new
                    lw claim claim --root "$R" --devices \(loop) --json
                    """ + "\n" + script, env: ["LWSIGN": try Repo.lwsign()])
            return s
        }

        @Test("a signed, newer image is staged: every file as signed, state.json names it, a leftover .part is discarded", .sandbox)
        func staged() throws {
            let s = try Self.run(
                """
                    # The owner's changes to /etc, in the overlay's upper layer.
                    for f in motd hostname added; do echo "the owner's" >"$R/etc/$f"; done
                    rm "$R/etc/gone"
                    # A power cut while staging an earlier try.
                    mkdir -p "$R/mnt/lightwhale-data/lightwhale/updates/2.1.9.part/boot"
                    head -c 1M /dev/urandom >"$R/mnt/lightwhale-data/lightwhale/updates/2.1.9.part/boot/vmlinuz"
                    lw update update "$D/new.iso" --root "$R" --json
                    lw status status --root "$R" --json
                    lw status-words status --root "$R"
                    (cd "$D/tree" && sha256sum $FILES) >"$OUT/signed.sums"
                    (cd "$R/mnt/lightwhale-data/lightwhale/updates/2.2.0" && sha256sum $FILES) >"$OUT/staged.sums" || true
                    cp "$R/mnt/lightwhale-data/lightwhale/updates/state.json" "$OUT/state.json" || true
                    ls "$R/mnt/lightwhale-data/lightwhale/updates" >"$OUT/updates.ls"
                    sign "$D/trusted.key" 2.1.3 && iso same
                    lw same update "$D/same.iso" --root "$R" --json
                    lw words update "$D/same.iso" --root "$R" --allow-downgrade
                    grep -c lwctl-image /proc/self/mountinfo >"$OUT/left-mounted" || true
                    """)
            #expect(try s.run("claim").mode == "persistent")
            let update = try s.run("update")
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.json["version"] as? String == "2.2.0" && update.json["running"] as? String == "2.1.3", "\(update.json)")
            #expect(update.json["discarded"] as? [String] == ["2.1.9.part"])
            let sums = try FileManager.default.attributesOfItem(atPath: s.dir + "/tree/boot/etc.sums")[.size] as? Int ?? 0
            #expect(update.json["bytes"] as? Int == 8 << 20 + sums)
            #expect(update.json["hidden"] as? [String] == ["etc/added", "etc/gone", "etc/motd"], "the owner's copies that hide a change of 2.2.0")
            let signed = try String(contentsOfFile: s.out + "/signed.sums", encoding: .utf8)
            #expect(try String(contentsOfFile: s.out + "/staged.sums", encoding: .utf8) == signed && signed.split(separator: "\n").count == 5)
            let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.out + "/state.json"))) as? [String: Any]
            #expect(state?["staged"] as? String == "2.2.0" && state?["stagedStamp"] as? String == "lightwhale-2.2.0-test", "\(state ?? [:])")
            #expect(try String(contentsOfFile: s.out + "/updates.ls", encoding: .utf8) == "2.2.0\nstate.json\n")

            let status = try s.run("status")
            #expect(status.json["version"] as? String == "2.1.3" && status.json["staged"] as? String == "2.2.0", "\(status.json)")
            #expect(status.json["stagedStamp"] as? String == "lightwhale-2.2.0-test")
            #expect(try s.run("status-words").stdout.contains("\nversion: 2.1.3, staged: 2.2.0 (lwctl update)\n"))

            let same = try s.run("same")
            #expect(same.status != 0 && same.json["code"] as? String == "not-newer", "\(same.json)")
            let words = try s.run("words")
            #expect(words.status == 0 && words.stdout.hasPrefix("staged Lightwhale 2.1.3 (running 2.1.3): "), "\(words.stdout)\(words.stderr)")
            #expect(words.stderr.contains("removed the earlier staging 2.2.0"), "\(words.stderr)")
            #expect(words.stderr.contains("note: /etc/motd was changed here and 2.1.3 changes it too"), "\(words.stderr)")
            #expect(try String(contentsOfFile: s.out + "/left-mounted", encoding: .utf8) == "0\n", "the image is mounted only in lwctl's own namespace")
        }

        /// Each refusal is tried on the same claimed disk; the staging area must be byte for byte
        /// what it was before (an earlier good staging of 2.2.0 kept, nothing added).
        @Test("refused, with the data disk unchanged: unsigned, another key, altered manifest, altered file, truncated, not an ISO, no room", .sandbox)
        func refused() throws {
            let s = try Self.run(
                """
                    sign "$D/trusted.key" 2.2.0 && iso good
                    lw first update "$D/good.iso" --root "$R" --json
                    tree before
                    rm -r "$D/tree/lightwhale" && iso unsigned
                    sign "$D/other.key" 2.3.0 && iso other-key
                    sign "$D/trusted.key" 2.3.0 && sed -i 's/2\\.3\\.0/2.9.0/' "$D/tree/lightwhale/manifest.json" && iso altered-manifest
                    # one byte changed, whatever the random byte was
                    b=$(od -An -tu1 -j 1000000 -N 1 "$D/tree/boot/rootfs.squashfs" | tr -d ' ')
                    sign "$D/trusted.key" 2.3.0 && printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
                        dd of="$D/tree/boot/rootfs.squashfs" bs=1 seek=1000000 conv=notrunc status=none && iso altered-file
                    cp "$D/good.iso" "$D/truncated.iso" && truncate -s 5M "$D/truncated.iso"
                    head -c 4M /dev/urandom >"$D/not-an.iso"
                    for name in unsigned other-key altered-manifest altered-file truncated not-an; do
                        lw "$name" update "$D/$name.iso" --root "$R" --json
                        tree "after-$name"
                    done
                    sign "$D/trusted.key" 2.3.0 && iso newer
                    fallocate -l 60M "$R/mnt/lightwhale-data/filler"
                    mv "$D/newer.iso" "$D/no-room.iso"
                    lw no-room update "$D/no-room.iso" --root "$R" --json
                    tree after-no-room
                    """)
            #expect(try s.run("first").status == 0)
            let before = try String(contentsOfFile: s.out + "/before.tree", encoding: .utf8)
            #expect(before.contains("./updates/2.2.0/boot/rootfs.squashfs 3145728"), "\(before)")
            let expected = [
                "unsigned": "unsigned", "other-key": "unknown-key", "altered-manifest": "bad-signature", "altered-file": "mismatch",
                "truncated": "bad-image", "not-an": "bad-image", "no-room": "no-room",
            ]
            for (name, code) in expected.sorted(by: { $0.key < $1.key }) {
                let r = try s.run(name)
                #expect(r.status != 0, "\(name)")
                #expect(r.json["result"] as? String == "refused" && r.json["code"] as? String == code, "\(name): \(r.json) \(r.stderr)")
                #expect(r.stderr.hasPrefix("lwctl: not staging \(s.dir)/\(name).iso: "), "\(name): \(r.stderr)")
                #expect(try String(contentsOfFile: s.out + "/after-\(name).tree", encoding: .utf8) == before, "\(name) changed the data disk")
            }
            #expect(try s.run("altered-file").stderr.contains("boot/rootfs.squashfs does not match its signed manifest"))
        }

        /// A server on this machine's loopback, started and stopped by the script.
        @Test("an image at a URL is fetched onto the data disk, staged like a file and removed; an HTTP error or an altered download stages nothing", .sandbox)
        func fromURL() throws {
            let s = try Self.run(
                """
                    sign "$D/trusted.key" 2.2.0 && iso good
                    (cd "$D/tree" && sha256sum $FILES) >"$OUT/signed.sums"
                    # one byte of the root image changed after signing (whatever it was)
                    b=$(od -An -tu1 -j 1000000 -N 1 "$D/tree/boot/rootfs.squashfs" | tr -d ' ')
                    printf "$(printf '\\%03o' $(((b + 1) % 256)))" | dd of="$D/tree/boot/rootfs.squashfs" bs=1 seek=1000000 conv=notrunc status=none
                    iso bent
                    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$D" </dev/null >"$D/http.log" 2>&1 &
                    server=$!
                    # (SIGKILL: the test runner's children may inherit an ignored SIGTERM)
                    trap 'kill -KILL $server 2>/dev/null; wait $server 2>/dev/null || true; lw_unmount_all' EXIT
                    for i in $(seq 100); do port=$(grep -oE 'port [0-9]+' "$D/http.log" | cut -d' ' -f2) && [ -n "$port" ] && break; sleep 0.1; done
                    lw missing update "http://127.0.0.1:$port/missing.iso" --root "$R" --json
                    lw bent update "http://127.0.0.1:$port/bent.iso" --root "$R" --json
                    tree after-refusals
                    lw url update "http://127.0.0.1:$port/good.iso" --root "$R" --json
                    ls "$R/mnt/lightwhale-data/lightwhale/updates" >"$OUT/updates.ls"
                    (cd "$R/mnt/lightwhale-data/lightwhale/updates/2.2.0" && sha256sum $FILES) >"$OUT/staged.sums" || true
                    """)
            let missing = try s.run("missing")
            #expect(missing.status == 1 && missing.json["result"] as? String == "failed", "\(missing.json)")
            #expect(missing.stderr.contains("curl exited 22") && missing.stderr.contains("404"), "\(missing.stderr)")
            let bent = try s.run("bent")
            #expect(bent.status == 1 && bent.json["code"] as? String == "mismatch", "\(bent.json) \(bent.stderr)")
            let left = try String(contentsOfFile: s.out + "/after-refusals.tree", encoding: .utf8)
            #expect(!left.contains("updates/"), "nothing is left of a refused download: \(left)")
            let url = try s.run("url")
            #expect(url.status == 0 && url.json["version"] as? String == "2.2.0", "\(url.json) \(url.stderr)")
            #expect(try String(contentsOfFile: s.out + "/updates.ls", encoding: .utf8) == "2.2.0\nstate.json\n", "the download is removed")
            #expect(try String(contentsOfFile: s.out + "/staged.sums", encoding: .utf8) == String(contentsOfFile: s.out + "/signed.sums", encoding: .utf8))
        }

        /// The boots are played by what /init and the booted version run, with the running version
        /// changed in /etc/lightwhale-release as a boot of the other version would change it.
        @Test("across boots: tried, abandoned when it never marks itself good, tried again when restaged, good, rolled back", .sandbox)
        func boots() throws {
            let s = try Self.run(
                """
                    lw nothing update --next-boot --root "$R"
                    lw no-rollback update --rollback --root "$R" --json
                    lw update update "$D/new.iso" --root "$R" --json
                    lw try update --next-boot --root "$R"
                    lw abandon update --next-boot --root "$R" --json
                    lw status-failed status --root "$R" --json
                    lw restage update "$D/new.iso" --root "$R" --json
                    lw try-again update --next-boot --root "$R"
                    as() { sed -i "s/^VERSION=.*/VERSION=$1/" "$R/etc/lightwhale-release"; }
                    as 2.2.0
                    lw good update --mark-good --root "$R"
                    as 2.1.3
                    lw after-good update --next-boot --root "$R"
                    mv "$R/mnt/lightwhale-data/lightwhale/updates/2.2.0/boot/cold.squashfs" "$D/cold.squashfs"
                    lw incomplete update --next-boot --root "$R"
                    mv "$D/cold.squashfs" "$R/mnt/lightwhale-data/lightwhale/updates/2.2.0/boot/cold.squashfs"
                    as 2.2.0
                    lw rollback update --rollback --root "$R"
                    as 2.1.3
                    lw after-rollback update --next-boot --root "$R"
                    """)
            let dir = s.root + "/mnt/lightwhale-data/lightwhale/updates/2.2.0"
            #expect(try s.run("nothing").stdout == "medium\n")
            let noRollback = try s.run("no-rollback")
            #expect(noRollback.status == 1 && noRollback.json["code"] as? String == "nothing-to-roll-back", "\(noRollback.json)")
            #expect(try s.run("update").status == 0)
            #expect(try s.run("try").stdout == "2.2.0 \(dir)\n")
            let abandon = try s.run("abandon")
            #expect(abandon.json["choice"] as? String == "medium", "the tried version never marked itself good: \(abandon.json)")
            let failed = try s.run("status-failed").json
            #expect(failed["staged"] == nil, "\(failed)")
            let why = (failed["failed"] as? [String: Any])
            #expect(why?["version"] as? String == "2.2.0" && (why?["reason"] as? String)?.contains("did not mark it good") == true, "\(failed)")
            #expect(try s.run("restage").status == 0)
            #expect(try s.run("try-again").stdout == "2.2.0 \(dir)\n")
            #expect(try s.run("good").stdout == "Lightwhale 2.2.0 is good: it boots by default\n")
            #expect(try s.run("after-good").stdout == "2.2.0 \(dir)\n", "the good version boots by default")
            #expect(try s.run("incomplete").stdout == "medium\n", "a version with a file missing is not booted")
            #expect(try s.run("rollback").stdout == "the next boot runs the boot medium's version; 2.2.0: rolled back by hand\n")
            #expect(try s.run("after-rollback").stdout == "medium\n")
        }

        @Test("a version on trial whose Docker is not up in time abandons itself with that reason; one that came up before is kept (exit 3)", .sandbox)
        func givesUp() throws {
            let s = try Self.run(
                """
                    as() { sed -i "s/^VERSION=.*/VERSION=$1/" "$R/etc/lightwhale-release"; }
                    lw update update "$D/new.iso" --root "$R" --json
                    lw try update --next-boot --root "$R"
                    as 2.2.0
                    lw bad update --mark-bad "Docker was not up within 60 s of its boot" --root "$R"
                    lw bad-again update --mark-bad "Docker was not up" --root "$R"
                    as 2.1.3
                    lw after update --next-boot --root "$R"
                    lw status status --root "$R" --json
                    lw restage update "$D/new.iso" --root "$R" --json
                    lw try-again update --next-boot --root "$R"
                    as 2.2.0
                    lw good update --mark-good --root "$R"
                    lw slow update --mark-bad "Docker was not up within 60 s of its boot" --root "$R"
                    lw still-good status --root "$R" --json
                    lw no-reason update --mark-bad " " --root "$R"
                    """)
            #expect(try s.run("bad").stdout == "Lightwhale 2.2.0 abandoned: Docker was not up within 60 s of its boot; the next boot runs the version before it\n")
            let again = try s.run("bad-again")
            #expect(again.status == 3 && again.stderr.contains("not on trial"), "abandoned once: \(again.stderr)")
            #expect(try s.run("after").stdout == "medium\n")
            let failed = try s.run("status").json["failed"] as? [String: Any]
            #expect(failed?["version"] as? String == "2.2.0" && failed?["reason"] as? String == "Docker was not up within 60 s of its boot", "\(failed ?? [:])")
            #expect(try s.run("try-again").status == 0 && s.run("good").status == 0)
            let slow = try s.run("slow")
            #expect(slow.status == 3 && slow.stderr.contains("Lightwhale 2.2.0 is not on trial"), "\(slow.stderr)")
            #expect(try s.run("still-good").json["good"] as? String == "2.2.0", "a good version is never abandoned by a slow start")
            #expect(try s.run("no-reason").status == 2)
        }

        @Test("a staging or a download cut short is discarded at the next boot, the staging with the reason; the version staged before it still boots", .sandbox)
        func interruptedAtBoot() throws {
            let s = try Self.run(
                """
                    lw update update "$D/new.iso" --root "$R" --json
                    mkdir -p "$R/mnt/lightwhale-data/lightwhale/updates/2.3.0.part/boot"
                    head -c 1M /dev/urandom >"$R/mnt/lightwhale-data/lightwhale/updates/2.3.0.part/boot/rootfs.squashfs"
                    head -c 1M /dev/urandom >"$R/mnt/lightwhale-data/lightwhale/updates/download.iso.part"
                    lw boot update --next-boot --root "$R"
                    ls "$R/mnt/lightwhale-data/lightwhale/updates" >"$OUT/updates.ls"
                    lw status status --root "$R" --json
                    """)
            #expect(try s.run("boot").stdout == "2.2.0 \(s.root)/mnt/lightwhale-data/lightwhale/updates/2.2.0\n")
            #expect(try String(contentsOfFile: s.out + "/updates.ls", encoding: .utf8) == "2.2.0\nstate.json\n")
            let failed = try s.run("status").json["failed"] as? [String: Any]
            #expect(failed?["version"] as? String == "2.3.0" && (failed?["reason"] as? String)?.hasPrefix("its staging was interrupted") == true, "\(failed ?? [:])")
        }

        /// The test's kernel is random bytes: kexec_file_load refuses it, and nothing is loaded
        /// on this machine.
        @Test("a staged version whose kernel does not load is abandoned at once, with the reason", .sandbox)
        func kernelDoesNotLoad() throws {
            let s = try Self.run(
                """
                    lw update update "$D/new.iso" --root "$R" --json
                    lw load update --next-boot --load --root "$R"
                    lw status status --root "$R" --json
                    lw after update --next-boot --root "$R"
                    """)
            let load = try s.run("load")
            #expect(load.status == 1 && load.stdout.isEmpty && load.stderr.contains("kexec_file_load"), "\(load.stdout)\(load.stderr)")
            let failed = try s.run("status").json["failed"] as? [String: Any]
            #expect(failed?["version"] as? String == "2.2.0" && (failed?["reason"] as? String)?.hasPrefix("its kernel could not be loaded") == true, "\(failed ?? [:])")
            #expect(try s.run("after").stdout == "medium\n")
        }

        @Test("a volatile system is refused: there is no data disk to stage on", .sandbox)
        func volatile() throws {
            let s = try Self.run(persistent: false,
                """
                    lw update update "$D/new.iso" --root "$R" --json
                    """)
            #expect(try s.run("claim").mode == "volatile")
            let r = try s.run("update")
            #expect(r.status != 0 && r.json["code"] as? String == "not-persistent", "\(r.json)")
            #expect(r.stderr.contains("this system is volatile"), "\(r.stderr)")
        }
    }
}
