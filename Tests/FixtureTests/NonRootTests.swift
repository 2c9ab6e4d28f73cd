// lwctl run by a user who is not root (the image's `op`): status works; what needs root says so
// in one line, with exit status 2, and does nothing.

import Foundation
import TestSupport
import Testing

@Suite("lwctl as a user who is not root")
struct NonRootTests {
    /// nobody, with no supplementary groups (not in `disk`).
    static func asNobody(_ args: [String]) throws -> Output {
        try Run.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", try Repo.lwctl()] + args)
    }

    /// The sandbox readable by everyone, as / is; `private` paths stay root's alone (mode 0600).
    static func openUp(_ box: Sandbox, private: [String] = []) throws {
        let fm = FileManager.default
        for dir in [box.dir, box.root, box.images] { try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir) }
        for path in `private` { try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
    }

    @Test("status reads the mount table and the saved report without root")
    func statusWorks() throws {
        try Sandbox.with { box in
            let image = try box.make("blank")
            _ = try box.claim([image])  // saves a report (volatile: nothing to claim)
            try Self.openUp(box)
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: box.reportPath))) as? [String: Any]
            let o = try Self.asNobody(["status", "--root", box.root, "--json"])
            #expect(o.status == 0, Comment(rawValue: o.both))
            let status = try #require(try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as? [String: Any], Comment(rawValue: o.both))
            #expect(status["mode"] as? String == "unset")
            #expect(status["reasonCode"] as? String == "not-claimed")
            let last = status["lastClaim"] as? [String: Any]
            #expect(last?["decision"] as? String == saved?["decision"] as? String, "the saved report is read")
            #expect(o.stderr.isEmpty, Comment(rawValue: o.both))
            let text = try Self.asNobody(["status", "--root", box.root])
            #expect(text.status == 0 && text.stdout.hasPrefix("Lightwhale is unset\n"), Comment(rawValue: text.both))
            #expect(text.stdout.contains("last claim: \(saved?["decision"] as? String ?? "?")"), Comment(rawValue: text.both))
            // The login banner's word: the mode alone, on one line.
            let brief = try Self.asNobody(["status", "--root", box.root, "--brief"])
            #expect(brief.status == 0 && brief.stdout == "unset\n" && brief.stderr.isEmpty, Comment(rawValue: brief.both))
            let both = try Self.asNobody(["status", "--root", box.root, "--brief", "--json"])
            #expect(both.status == 2 && both.stdout.isEmpty, Comment(rawValue: both.both))
        }
    }

    /// What root would be needed for, each refused in exactly one line that says to use sudo.
    @Test("claim, enable and devices say in one line that they need root", arguments: [
        (["claim"], "claim needs root (it mounts file systems; --dry-run and --no-mount do not)"),
        (["claim", "--dry-run", "--devices", "IMAGE"], "claim needs root (open IMAGE: Permission denied)"),
        (["claim", "--no-mount", "--devices", "IMAGE"], "claim needs root (open IMAGE: Permission denied)"),
        (["enable", "IMAGE", "--yes"], "enable needs root (open IMAGE: Permission denied)"),
        (["devices", "--devices", "IMAGE"], "devices needs root (open IMAGE: Permission denied)"),
    ])
    func needsRoot(_ args: [String], says: String) throws {
        try Sandbox.with { box in
            let image = try box.make("magic")
            try Self.openUp(box, private: [image])
            let sum = try Image.checksum(image)
            let argv = args.map { $0 == "IMAGE" ? image : $0 } + (args.first == "claim" ? ["--root", box.root] : [])
            let o = try Self.asNobody(argv)
            #expect(o.status == 2, Comment(rawValue: o.both))
            #expect(o.stdout.isEmpty, Comment(rawValue: o.both))
            let lines = o.stderr.split(separator: "\n")
            #expect(lines.count == 1, "one line: \(o.both)")
            let line = String(lines.first ?? "")
            #expect(line.hasPrefix("lwctl: " + says.replacingOccurrences(of: "IMAGE", with: image)), Comment(rawValue: line))
            #expect(line.hasSuffix("): run sudo lwctl " + argv.joined(separator: " ")), Comment(rawValue: line))
            #expect(try Image.checksum(image) == sum, "nothing written")
            #expect(!FileManager.default.fileExists(atPath: box.reportPath), "no report saved")
        }
    }

    @Test("a bad argument exits 2, as documented")
    func badArgumentExitsTwo() throws {
        let o = try Run.run([try Repo.lwctl(), "claim", "--no-such-option"])
        #expect(o.status == 2, Comment(rawValue: o.both))
        #expect(o.stderr.contains("Unknown option '--no-such-option'"), Comment(rawValue: o.both))
    }
}
