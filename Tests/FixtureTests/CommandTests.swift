// `lwctl devices --json` and `lwctl enable` on image files.

import Foundation
import TestSupport
import Testing

@Suite("lwctl devices and enable on fixtures")
struct CommandTests {
    struct DeviceEntry: Decodable {
        var device: String
        var size: UInt64
        var role: String
        var magic: String
        var partitionTable: String?
    }

    static let roles: [(fixture: String, role: String, magic: String)] = [
        ("blank", "other", "absent"),
        ("magic", "pending claim", "exact"),
        ("magic-newline", "pending claim", "exact"),
        ("nearmiss-case", "other", "near miss"),
        ("nearmiss-offset1", "other", "near miss"),
        ("magic-over-gpt", "pending claim", "exact"),
        ("claimed", "data", "absent"),
        ("claimed-damaged", "damaged data", "absent"),
        ("half-make-filesystem", "pending claim", "exact"),
        ("foreign-ext4", "other", "absent"),
        ("named-partition", "pending claim", "absent"),
        ("iso-boot", "boot", "absent"),
        ("iso-boot-magic", "boot", "exact"),
    ]

    @Test("devices --json gives each disk its role and writes nothing")
    func devicesRoles() throws {
        try Sandbox.with { box in
            let images = try box.make(Self.roles.map(\.fixture))
            let sums = try images.map(Image.checksum)
            let o = try box.lwctl(["devices", "--json", "--devices"] + images)
            #expect(o.status == 0, Comment(rawValue: o.both))
            let entries = try JSONDecoder().decode([DeviceEntry].self, from: Data(o.stdout.utf8))
            #expect(entries.map(\.device) == images)
            for (entry, want) in zip(entries, Self.roles) {
                #expect(entry.role == want.role, "\(want.fixture): role \(entry.role)")
                #expect(entry.magic.hasPrefix(want.magic), "\(want.fixture): magic \(entry.magic)")
                #expect(entry.size == 128 << 20)
            }
            #expect(try images.map(Image.checksum) == sums)
        }
    }

    @Test("claim --fault-after takes only a step's name, and says which names there are")
    func faultAfterRejectsUnknownNames() throws {
        try Sandbox.with { box in
            let image = try box.make("magic")
            let sum = try Image.checksum(image)
            let o = try box.lwctl(["claim", "--no-mount", "--root", box.root, "--devices", image, "--fault-after", "format"])
            #expect(o.status != 0 && o.status != 75, Comment(rawValue: o.both))
            for word in ["record-claim", "make-filesystem", "complete-claim", "mount-overlay"] {
                #expect(o.stderr.contains(word), "the error lists '\(word)': \(o.both)")
            }
            #expect(try Image.checksum(image) == sum, "a rejected command writes nothing")
        }
    }

    @Test("devices run by a user who cannot read the disks says to run it as root")
    func devicesNeedsRoot() throws {
        try Sandbox.with { box in
            let image = try box.make("blank")
            let o = try Run.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", try Repo.lwctl(), "devices", "--devices", image])
            #expect(o.stderr.contains("Permission denied"), Comment(rawValue: o.both))
            #expect(o.stderr.contains("sudo lwctl devices"), Comment(rawValue: o.both))
            let missing = try Run.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", try Repo.lwctl(), "devices", "--devices", "/nonexistent.img"])
            #expect(missing.stderr.contains("no such device"), Comment(rawValue: missing.both))
            #expect(!missing.stderr.contains("sudo"), "root would not help: \(missing.both)")
        }
    }

    @Test("enable --yes writes the guide's header (and nothing past the boot-code area), then claim takes the disk")
    func enableThenClaim() throws {
        try Sandbox.with { box in
            let image = try box.make("foreign-gpt")
            let tableBefore = try Image.bytes(image, at: 440, count: 1 << 20)
            let o = try box.lwctl(["enable", "--yes", "--json", image])
            #expect(o.status == 0, Comment(rawValue: o.both))
            #expect(o.stdout.contains("\"enabled\""))
            let head = try Image.bytes(image, at: 0, count: 440)
            #expect(Array(head[0..<28]) == Array((Image.magic + "\n").utf8), "the same bytes as the guide's echo")
            #expect(head[28...].allSatisfy { $0 == 0 }, "the rest of the boot-code area is cleared (no old claim record)")
            #expect(try Image.bytes(image, at: 440, count: 1 << 20) == tableBefore, "enable writes only the header")

            let plan = try box.dryRun([image])
            #expect(plan.decision.hasPrefix("claim \(image):"), Comment(rawValue: plan.summary))
            let r = try box.claim([image])
            #expect(r.ok == true, Comment(rawValue: r.summary))
            try expectClaimedWholeDisk(image)
        }
    }

    @Test("enable asks for the device name and writes nothing without it")
    func enableNeedsConfirmation() throws {
        try Sandbox.with { box in
            let image = try box.make("blank")
            let sum = try Image.checksum(image)
            let refused = try box.lwctl(["enable", image])  // stdin is /dev/null: no answer
            #expect(refused.status != 0, Comment(rawValue: refused.both))
            #expect(refused.stderr.contains("not confirmed"), Comment(rawValue: refused.both))
            #expect(try Image.checksum(image) == sum)

            let wrong = box.dir + "/wrong-answer"
            try "/dev/sda\n".write(toFile: wrong, atomically: true, encoding: .utf8)
            #expect(try box.lwctl(["enable", image], stdinFile: wrong).status != 0)
            #expect(try Image.checksum(image) == sum)

            let answer = box.dir + "/answer"
            try (image + "\n").write(toFile: answer, atomically: true, encoding: .utf8)
            let confirmed = try box.lwctl(["enable", image], stdinFile: answer)
            #expect(confirmed.status == 0, Comment(rawValue: confirmed.both))
            #expect(try Image.startsWithMagic(image))
        }
    }

    @Test("names with a newline or an escape break no line and reach no terminal raw: devices, the claim's log; JSON keeps them")
    func hostileNames() throws {
        try Sandbox.with { box in
            // The partition's name and the ext4 label are the disk's; the image's file name stands
            // for a device name, which every line of the claim's log carries.
            let made = try box.make("hostile-names")
            let image = box.image("odd\nlwctl: forged\u{1b}[2J")
            try FileManager.default.moveItem(atPath: made, toPath: image)
            let name = "evil\nlwctl forged\u{1b}[2J"

            let text = try box.lwctl(["devices", "--devices", image])
            #expect(text.status == 0, Comment(rawValue: text.both))
            #expect(!text.both.contains("\u{1b}"), "no raw escape: \(text.both)")
            #expect(text.stdout.split(separator: "\n").count == 2, "a header and one line: \(text.stdout)")
            #expect(text.stdout.contains(#""evil\nlwctl forged\u{1b}[2J" ext4 'ev\nil\u{1b}[31m'"#), Comment(rawValue: text.stdout))

            let json = try box.lwctl(["devices", "--json", "--devices", image])
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            let partition = try #require((entries.first?["partitions"] as? [[String: Any]])?.first)
            #expect(partition["name"] as? String == name, "JSON keeps the true value")
            #expect(entries.first?["device"] as? String == image)

            let claim = try box.lwctl(["claim", "--dry-run", "--devices", image])
            #expect(claim.status == 0, Comment(rawValue: claim.both))
            let lines = claim.stderr.split(separator: "\n")
            #expect(lines.count >= 3 && lines.allSatisfy { $0.hasPrefix("lwctl: ") } && !lines.contains { $0.hasPrefix("lwctl: forged") }, Comment(rawValue: claim.stderr))
            #expect(!claim.both.contains("\u{1b}"), Comment(rawValue: claim.both))
        }
    }

    @Test("enable wants --force for a disk holding Lightwhale's data, damaged or not", arguments: ["claimed", "claimed-damaged"])
    func enableNeedsForceForData(_ fixture: String) throws {
        try Sandbox.with { box in
            let image = try box.make(fixture)
            let sum = try Image.checksum(image)
            let o = try box.lwctl(["enable", "--yes", image])
            #expect(o.status == 1, Comment(rawValue: o.both))
            #expect(o.stderr.contains("holds Lightwhale's data (lightwhale-data on \(image)#1)") && o.stderr.contains("--force"), Comment(rawValue: o.both))
            #expect(try Image.checksum(image) == sum, "a refused enable writes nothing")
            let forced = try box.lwctl(["enable", "--yes", "--force", image])
            #expect(forced.status == 0, Comment(rawValue: forced.both))
            #expect(try Image.startsWithMagic(image))
        }
    }

    @Test("enable refuses what must never be claimed", arguments: [
        ("tiny-magic", "too small"), ("iso-boot", "boot medium"), ("iso-boot-magic", "boot medium"),
    ])
    func enableRefuses(_ fixture: String, _ keyword: String) throws {
        try Sandbox.with { box in
            let image = try box.make(fixture)
            let sum = try Image.checksum(image)
            let o = try box.lwctl(["enable", "--yes", image])
            #expect(o.status != 0, Comment(rawValue: o.both))
            #expect(o.stderr.contains(keyword), Comment(rawValue: o.both))
            #expect(try Image.checksum(image) == sum)
        }
    }
}
