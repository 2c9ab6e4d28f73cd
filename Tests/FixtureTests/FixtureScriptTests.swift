// Fixtures/make-fixtures itself: reproducible images, and a clear stop when a tool is missing.

import Foundation
import TestSupport
import Testing

@Suite("Fixtures/make-fixtures")
struct FixtureScriptTests {
    /// Every fixture not made by running lwctl (which picks random UUIDs, as a real claim does).
    static func deterministic() throws -> [String] {
        try Run.ok(["/bin/bash", Repo.makeFixtures, "--list"]).stdout.split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("claimed") && !$0.hasPrefix("half-") && !$0.hasPrefix("reclaim-") }
    }

    @Test("two runs give byte-identical images (fixed GUIDs, UUIDs, seeds, times)")
    func reproducible() throws {
        try Sandbox.with { box in
            let names = try Self.deterministic()
            #expect(names.count >= 20)
            let env = ["TMPDIR": box.dir]
            try Run.ok(["/bin/bash", Repo.makeFixtures, box.dir + "/one"] + names, environment: env)
            sleep(1)  // a tool that stamps the current time would now differ
            try Run.ok(["/bin/bash", Repo.makeFixtures, box.dir + "/two"] + names, environment: env)
            for n in names {
                let a = try Image.checksum("\(box.dir)/one/\(n).img")
                let b = try Image.checksum("\(box.dir)/two/\(n).img")
                #expect(a == b, "\(n).img differs between two runs")
            }
        }
    }

    @Test("a missing tool stops the script with a message naming it; nothing is installed")
    func missingTool() throws {
        try Sandbox.with { box in
            // A PATH holding the basic tools and the mkfs tools, but no sfdisk.
            let bin = box.dir + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            for tool in ["dirname", "sed", "grep", "mkdir", "truncate", "dd", "rm", "mktemp", "cat", "mkfs.ext4", "mkfs.vfat", "mkswap"] {
                try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(tool)", withDestinationPath: try Run.which(tool))
            }
            let o = try Run.run(["/bin/bash", Repo.makeFixtures, box.images, "magic-over-gpt"], environment: ["PATH": bin])
            #expect(o.status != 0)
            #expect(o.stderr.contains("'sfdisk' is missing"), Comment(rawValue: o.both))
        }
    }

    @Test("the image digest sees one changed byte anywhere, and nothing else")
    func digestSeesOneByte() throws {
        try Sandbox.with { box in
            let image = try box.make("magic-over-gpt")
            let before = try Image.checksum(image)
            let sibling = try Image.checksum(image, offset: 17 << 20, length: 64 << 20)
            // Zeros written into a hole change no byte: same digest.
            try Image.write(image, [UInt8](repeating: 0, count: 8192), at: 120 << 20)
            #expect(try Image.checksum(image) == before)
            // One byte in a hole, one byte in a data extent, each is seen; the range digest sees only its range.
            for (offset, inRange) in [(UInt64(100 << 20) + 7, false), (UInt64(17 << 20) + 1080, true)] {
                let old = try Image.bytes(image, at: offset, count: 1)
                try Image.write(image, [old[0] ^ 0x01], at: offset)
                #expect(try Image.checksum(image) != before, "a byte changed at \(offset)")
                #expect((try Image.checksum(image, offset: 17 << 20, length: 64 << 20) != sibling) == inRange)
                try Image.write(image, old, at: offset)
                #expect(try Image.checksum(image) == before)
            }
        }
    }

    @Test("unknown fixture names are refused before anything is built")
    func unknownName() throws {
        try Sandbox.with { box in
            let o = try Run.run(["/bin/bash", Repo.makeFixtures, box.images, "magic", "no-such-fixture"])
            #expect(o.status != 0)
            #expect(o.stderr.contains("unknown fixture 'no-such-fixture'"), Comment(rawValue: o.both))
            #expect(!FileManager.default.fileExists(atPath: box.image("magic")))
        }
    }
}
