// Helpers for fixture replay (the sandbox, processes and the lwctl finder are TestSupport's):
// lwctl's JSON as a script sees it, and the read-only tools (blkid, wipefs, sfdisk, e2fsck) that
// check its work. Nothing here needs root or touches a block device: every disk is an image file.

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

extension Sandbox {
    /// `lwctl claim --json --root <sandbox>/root --devices …`, decoded; requires exit 0 and one JSON object.
    func claim(_ devices: [String], dryRun: Bool = false, noMount: Bool = true, extra: [String] = []) throws -> ClaimJSON {
        var args = ["claim", "--json", "--root", root]
        if dryRun { args.append("--dry-run") }
        if noMount && !dryRun { args.append("--no-mount") }
        args += extra + ["--devices"] + devices
        let o = try lwctl(args)
        guard o.status == 0 else { throw HarnessError("lwctl \(args.joined(separator: " ")): \(o.both)") }
        do {
            return try JSONDecoder().decode(ClaimJSON.self, from: Data(o.stdout.utf8))
        } catch {
            throw HarnessError("lwctl claim printed no valid JSON (\(error)): \(o.both)")
        }
    }

    func dryRun(_ devices: [String]) throws -> ClaimJSON { try claim(devices, dryRun: true) }

    /// Runs a real claim that stops itself after `action` (exit 75, as a power cut would).
    func claimFault(_ device: String, after action: String) throws {
        let o = try lwctl(["claim", "--no-mount", "--root", root, "--devices", device, "--fault-after", action])
        guard o.status == 75 else { throw HarnessError("claim --fault-after \(action) should exit 75: \(o.both)") }
    }
}

// MARK: - lwctl's JSON

/// The contract of `lwctl claim --json` (issue 2): decoded independently of PersistenceKit's types.
struct ClaimJSON: Decodable {
    struct Step: Decodable {
        var action: String
        var device: String?
        var path: String?
        var summary: String
        var result: String
    }

    struct Skip: Decodable {
        var device: String
        var reason: String
        /// The stable name of the reason, and of each I4 refusal behind it.
        var code: String
        var refusals: [String]?
    }

    var mode: String
    var decision: String
    var dataDevice: String?
    var steps: [Step]
    var skipped: [Skip]
    var ok: Bool?
    var fallback: String?

    var actions: [String] { steps.map(\.action) }
    /// The devices written by the plan's steps (disk paths, or `disk#N` for a partition of an image).
    var writtenDevices: Set<String> { Set(steps.compactMap(\.device)) }

    func skip(_ device: String) -> Skip? { skipped.first { $0.device == device } }

    var summary: String {
        "mode \(mode), decision \(decision), data \(dataDevice ?? "-"), steps \(actions), skipped "
            + skipped.map { "\($0.device): \($0.reason)" }.joined(separator: " | ")
    }
}

/// The steps of a whole-disk claim, and those a boot adds to mount it.
enum Actions {
    static let wholeDiskClaim = [
        "record-claim", "wipe-signatures", "write-partition-table", "ensure-partition-node", "make-filesystem",
        "verify-filesystem", "complete-claim",
    ]
    static let partitionClaim = [
        "mark-partition", "wipe-signatures", "ensure-partition-node", "make-filesystem", "verify-filesystem",
        "complete-partition-claim",
    ]
    static let overlays = ["mount-overlay", "mount-overlay", "mount-overlay"]
    /// After a claim (which made and verified the file system and its node): mount, directories, overlays.
    static let mountAfterClaim = ["mount", "make-directories"] + overlays
    /// Mounting an existing data file system.
    static let mountExisting = ["ensure-partition-node", "check-filesystem"] + mountAfterClaim
    static let volatile = ["mount-tmpfs", "make-directories"] + overlays
    /// A degraded boot that could read nothing of its owner's: volatile, and password logins off.
    static let degradedLocked = volatile + ["refuse-password-logins"]
}

// MARK: - reading images

enum Image {
    static let MiB: UInt64 = 1 << 20
    static let magic = "lightwhale-please-format-me"

    static func bytes(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { throw HarnessError("cannot open \(path)") }
        defer { try? h.close() }
        try h.seek(toOffset: offset)
        return Array(try h.read(upToCount: count) ?? Data())
    }

    static func write(_ path: String, _ bytes: [UInt8], at offset: UInt64) throws {
        guard let h = FileHandle(forUpdatingAtPath: path) else { throw HarnessError("cannot open \(path) for writing") }
        defer { try? h.close() }
        try h.seek(toOffset: offset)
        try h.write(contentsOf: Data(bytes))
        try h.synchronize()
    }

    static func startsWithMagic(_ path: String) throws -> Bool {
        try bytes(path, at: 0, count: magic.utf8.count) == Array(magic.utf8)
    }

    /// The claim record lwctl keeps at byte 400 while a claim is under way: "LWCLAIM1" + UUID (16) + CRC.
    static func claimRecordUUID(_ path: String) throws -> String? {
        let r = try bytes(path, at: 400, count: 28)
        guard r.count == 28, Array(r[0..<8]) == Array("LWCLAIM1".utf8) else { return nil }
        let hex = r[8..<24].map { String(format: "%02x", $0) }.joined()
        let i = hex.startIndex
        func cut(_ a: Int, _ b: Int) -> Substring { hex[hex.index(i, offsetBy: a)..<hex.index(i, offsetBy: b)] }
        return "\(cut(0, 8))-\(cut(8, 12))-\(cut(12, 16))-\(cut(16, 20))-\(cut(20, 32))"
    }

    /// A digest of the whole image's contents: its size and every non-zero 4 KiB block with its
    /// offset. Only data extents are read (SEEK_DATA/SEEK_HOLE; holes are zeros), a few MiB per
    /// sparse image instead of 128, which keeps dozens of before/after comparisons fast. Whether
    /// a zero block is a hole or written zeros does not matter: equal digests mean equal bytes
    /// (up to a 64-bit hash). Hasher is seeded per process: compare digests within one run only.
    static func checksum(_ path: String) throws -> Int {
        try checksum(path, offset: 0, length: nil)
    }

    /// The same over `length` bytes from `offset` (to the end when nil).
    static func checksum(_ path: String, offset: UInt64, length: UInt64?) throws -> Int {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw HarnessError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw HarnessError("cannot stat \(path)") }
        let start = off_t(offset)
        let end = length.map { min(off_t(st.st_size), start + off_t($0)) } ?? off_t(st.st_size)
        var hasher = Hasher()
        hasher.combine(end - start)
        let block = 4096
        let zeros = [UInt8](repeating: 0, count: block)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = start
        while position < end {
            let data = lseek(fd, position, 3 /* SEEK_DATA */)
            if data < 0 && errno == ENXIO { break }  // only a hole is left
            guard data >= 0 else { throw HarnessError("SEEK_DATA on \(path): \(String(cString: strerror(errno)))") }
            if data >= end { break }
            let hole = min(lseek(fd, data, 4 /* SEEK_HOLE */), end)
            var at = data
            while at < hole {
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, min($0.count, Int(hole - at)), at) }
                guard n > 0 else { throw HarnessError("cannot read \(path) at \(at)") }
                buffer.withUnsafeBytes { raw in
                    zeros.withUnsafeBytes { z in
                        var i = 0
                        while i < n {
                            let len = min(block, n - i)
                            if memcmp(raw.baseAddress! + i, z.baseAddress!, len) != 0 {
                                hasher.combine(at + off_t(i) - start)
                                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[i..<(i + len)]))
                            }
                            i += len
                        }
                    }
                }
                at += off_t(n)
            }
            position = hole
        }
        return hasher.finalize()
    }

    /// `blkid -p` at a byte offset: the low-level probe's KEY=VALUE pairs, empty when nothing is there.
    static func probe(_ path: String, offset: UInt64 = 0) throws -> [String: String] {
        let o = try Run.run(["blkid", "-p", "-o", "export", "-O", "\(offset)", path])
        if o.status == 2 { return [:] }  // nothing found
        guard o.status == 0 else { throw HarnessError("blkid -p -O \(offset) \(path): \(o.both)") }
        var out: [String: String] = [:]
        for line in o.stdout.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...]).replacingOccurrences(of: "\\ ", with: " ")
        }
        return out
    }

    /// Every signature `wipefs` (read-only: no -a) finds on the whole image, as "type@offset".
    static func signatures(_ path: String) throws -> [String] {
        struct W: Decodable {
            struct S: Decodable {
                var offset: String
                var type: String
            }
            var signatures: [S]
        }
        let o = try Run.ok(["wipefs", "--json", path])
        if o.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        return try JSONDecoder().decode(W.self, from: Data(o.stdout.utf8)).signatures.map { "\($0.type)@\($0.offset)" }.sorted()
    }

    struct Table: Decodable {
        struct Part: Decodable, Equatable {
            var start: UInt64
            var size: UInt64
            var type: String
            var uuid: String?
            var name: String?
        }
        var label: String
        var id: String
        var partitions: [Part]?
        var parts: [Part] { partitions ?? [] }
    }

    /// The partition table as `sfdisk --json` reads it, or nil if there is none.
    static func table(_ path: String) throws -> Table? {
        struct Top: Decodable { var partitiontable: Table }
        let o = try Run.run(["sfdisk", "--json", path])
        guard o.status == 0, !o.stdout.isEmpty else { return nil }
        return try JSONDecoder().decode(Top.self, from: Data(o.stdout.utf8)).partitiontable
    }

    /// `e2fsck -fn` on the file system at `offset`: true when it is complete and clean.
    static func fsckClean(_ path: String, offset: UInt64) throws -> Output {
        try Run.run(["e2fsck", "-fn", offset == 0 ? path : "\(path)?offset=\(offset)"])
    }
}

// MARK: - what a finished claim looks like

/// Checks the image holds exactly what a whole-disk claim makes, and nothing stale; returns the
/// file-system UUID.
@discardableResult
func expectClaimedWholeDisk(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let table = try #require(try Image.table(path), "no partition table on \(path)", sourceLocation: sourceLocation)
    #expect(table.label == "gpt", sourceLocation: sourceLocation)
    #expect(table.parts.count == 1, "\(table.parts)", sourceLocation: sourceLocation)
    let p = try #require(table.parts.first, sourceLocation: sourceLocation)
    #expect(p.start == 2048, "partition 1 must start at 1 MiB", sourceLocation: sourceLocation)
    #expect(p.size % 2048 == 0, "partition 1 must be a whole number of MiB", sourceLocation: sourceLocation)
    #expect(p.type == "0FC63DAF-8483-4772-8E79-3D69D8477DE4", sourceLocation: sourceLocation)
    #expect(p.name == "lightwhale-data", sourceLocation: sourceLocation)
    let fs = try Image.probe(path, offset: Image.MiB)
    #expect(fs["TYPE"] == "ext4", "\(fs)", sourceLocation: sourceLocation)
    #expect(fs["LABEL"] == "lightwhale-data", "\(fs)", sourceLocation: sourceLocation)
    let fsck = try Image.fsckClean(path, offset: Image.MiB)
    #expect(fsck.status == 0, "e2fsck -fn: \(fsck.both)", sourceLocation: sourceLocation)
    // An error found at run time makes the file system read-only, not more damaged.
    let header = try Run.run(["dumpe2fs", "-h", "\(path)?offset=\(Image.MiB)"])
    #expect(header.stdout.split(separator: "\n").contains { $0.hasPrefix("Errors behavior:") && $0.hasSuffix("Remount read-only") }, "dumpe2fs -h: \(header.both)", sourceLocation: sourceLocation)
    // The magic and the claim record are gone: the boot-code area is zero (I2: removed last).
    let head = try Image.bytes(path, at: 0, count: 440)
    #expect(head.allSatisfy { $0 == 0 }, "bytes 0..<440 must be zero after a complete claim", sourceLocation: sourceLocation)
    // Nothing stale: on the whole disk only the new GPT (primary, backup) and its protective MBR.
    let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64)
    let backup = "0x" + String(size - 512, radix: 16)
    let signatures = try Image.signatures(path)
    #expect(
        signatures == ["PMBR@0x1fe", "gpt@0x200", "gpt@\(backup)"].sorted(),
        "only the new GPT may be found on the whole disk", sourceLocation: sourceLocation)
    return try #require(fs["UUID"], sourceLocation: sourceLocation)
}
