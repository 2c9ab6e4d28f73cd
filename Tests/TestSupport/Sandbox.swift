// One test's private world, for fixture replay and for privileged tests alike.

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A temp directory holding a fake root file system, the disk images a test makes and the loop
/// devices it attaches. Everything that mounts runs in a private mount namespace (`ns`), which
/// unmounts all it mounted before it ends; `cleanup` detaches every loop device and removes the
/// directory, whatever happened. Never touches a device it did not create.
public final class Sandbox: @unchecked Sendable {
    /// The sandbox of the running privileged test (set by PrivilegedTests' `.sandbox` trait).
    @TaskLocal public static var current: Sandbox?

    public static var get: Sandbox {
        get throws {
            guard let s = current else { throw HarnessError("no sandbox: add `.sandbox` to the test") }
            return s
        }
    }

    public let dir: String
    /// The `--root` lwctl is given.
    public let root: String
    /// Where Fixtures/make-fixtures builds its images.
    public let images: String
    /// Where `ns` scripts leave lwctl's output and mount tables.
    public let out: String
    public let lwctl: String
    private var loops: [String] = []
    private var stale: [String] = []
    private var cleaned = false

    /// `privileged`: requires root, and the root holds what the overlays cover (see `makeRoot`).
    public init(privileged: Bool) throws {
        if privileged { try Privilege.require() }
        lwctl = try Repo.lwctl()
        var template = Array("\(Run.tmpBase)/lw-sandbox-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        dir = String(cString: made)
        root = dir + "/root"
        images = dir + "/img"
        out = dir + "/out"
        for d in [root, images, out] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        if privileged { try makeRoot() }
    }

    deinit { cleanup() }

    /// Runs `body` in a new unprivileged sandbox and removes it afterwards, whatever happens.
    public static func with<T>(_ body: (Sandbox) throws -> T) throws -> T {
        let box = try Sandbox(privileged: false)
        defer { box.cleanup() }
        return try body(box)
    }

    /// A small but real root: what the overlays cover must exist and hold something to shadow.
    private func makeRoot() throws {
        for d in ["etc/docker", "home/op", "var/www", "mnt/lightwhale-data", "run"] {
            try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        try write(root + "/etc/docker/daemon.json", #"{"data-root": "/mnt/lightwhale-data/docker"}"# + "\n")
        try write(root + "/etc/hostname", "lightwhale\n")
        try write(root + "/etc/motd", "Welcome to Lightwhale (the lower layer)\n")
        try write(root + "/home/op/.profile", "export PS1='$ '\n")
        try write(root + "/var/www/index.html", "<h1>lower</h1>\n")
    }

    public func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    public var reportPath: String { root + "/run/lightwhale/claim.json" }

    // MARK: lwctl

    public func lwctl(_ args: [String], stdinFile: String = "/dev/null") throws -> Output {
        try Run.run([lwctl] + args, stdinFile: stdinFile)
    }

    // MARK: fixture images

    /// Builds fixtures with Fixtures/make-fixtures; returns their paths in the order asked.
    @discardableResult
    public func make(_ names: [String]) throws -> [String] {
        try Run.ok(["/bin/bash", Repo.makeFixtures, images] + names, environment: ["LWCTL": lwctl, "TMPDIR": dir])
        return names.map(image)
    }

    public func make(_ name: String) throws -> String { try make([name])[0] }

    /// The path of fixture `name`.
    public func image(_ name: String) -> String { "\(images)/\(name).img" }

    // MARK: images and loop devices

    /// A sparse image file of `size` (as `truncate -s` takes it), optionally with the guide's magic.
    @discardableResult
    public func image(_ name: String, size: String, magic: Bool = false) throws -> String {
        let path = "\(dir)/\(name).img"
        try sh("truncate -s \(size) \(path)")
        if magic { try writeMagic(path) }
        return path
    }

    /// The guide's way: `echo "lightwhale-please-format-me" | dd conv=notrunc of=…`.
    public func writeMagic(_ target: String) throws {
        try sh(#"echo "lightwhale-please-format-me" | dd of=\#(target) conv=notrunc status=none && sync"#)
    }

    /// `losetup -f --show` (or onto the free device `at`); detached by `cleanup` if the test does not do it.
    public func attach(_ image: String, readOnly: Bool = false, at device: String? = nil, sectorSize: Int = 512) throws -> String {
        let loop = try sh("losetup \(device ?? "-f") --show --sector-size \(sectorSize) \(readOnly ? "-r " : "")\(image)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard loop.hasPrefix("/dev/loop") else { throw HarnessError("losetup gave '\(loop)'") }
        loops.append(loop)
        return loop
    }

    /// Forget the kernel's partitions of `loop` (this kernel does not drop them on detach), detach it,
    /// and wait until the kernel has let go of the backing file.
    /// With `forgetPartitions: false` the kernel keeps them, stale, as after someone else's detach
    /// (`cleanup` removes them in the end).
    public func detach(_ loop: String, forgetPartitions: Bool = true) {
        let name = String(loop.dropFirst("/dev/".count))
        if forgetPartitions {
            forgetKernelPartitions(loop)
        } else {
            stale.append(loop)
        }
        _ = try? sh("losetup -d \(loop)", check: false)
        for _ in 0..<500 {
            if !FileManager.default.fileExists(atPath: "/sys/block/\(name)/loop/backing_file") { break }
            usleep(10_000)
        }
        loops.removeAll { $0 == loop }
    }

    private func forgetKernelPartitions(_ loop: String) {
        let name = String(loop.dropFirst("/dev/".count))
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block/\(name)")) ?? []
        where entry.hasPrefix(name + "p") {
            if let n = Int(entry.dropFirst(name.count + 1)) { _ = try? sh("delpart \(loop) \(n)", check: false) }
        }
    }

    /// A simulated reboot of one disk: detach it, then attach the image again. A small filler image
    /// takes the old number first, so the disk comes back under a different name, as it may at boot.
    public func reboot(_ loop: String, image: String) throws -> String {
        detach(loop)
        let filler = "\(dir)/filler-\(loops.count).img"
        try sh("truncate -s 1M \(filler)")
        _ = try attach(filler)
        return try attach(image)
    }

    /// The kernel node of partition `n` of `loop` (present when lwctl or partx added it).
    public func partitionNode(_ loop: String, _ n: Int) -> String { "\(loop)p\(n)" }

    public func cleanup() {
        guard !cleaned else { return }
        cleaned = true
        for loop in loops.reversed() { detach(loop) }
        for loop in stale { forgetKernelPartitions(loop) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: running things

    /// Runs a bash script with D, R, OUT and LW (the lwctl path) set and nothing else inherited;
    /// throws when it fails and `check`.
    @discardableResult
    public func sh(_ script: String, check: Bool = true, env: [String: String] = [:], namespace: Bool = false) throws -> Output {
        let argv = (namespace ? ["/usr/bin/unshare", "--mount", "--propagation", "private"] : []) + ["/bin/bash", "-c", script]
        var environment = ["LANG": "C", "D": dir, "R": root, "OUT": out, "LW": lwctl]
        environment.merge(env) { $1 }
        let result = try Run.run(argv, environment: environment, inherit: false)
        if check && result.status != 0 {
            throw HarnessError("script failed (\(result.status)):\n\(script)\nstdout: \(result.stdout)\nstderr: \(result.stderr)")
        }
        return result
    }

    /// Runs `script` in a private mount namespace. Helpers it can use:
    /// `lw NAME ARGS…` runs lwctl, keeping stdout/stderr/status as $OUT/NAME.{json,err,rc};
    /// `lw_mounts NAME` saves the namespace's mount table; `lw_unmount_all` unmounts all under $D
    /// (also run when the script ends, so nothing outlives the namespace busy).
    @discardableResult
    public func ns(_ script: String, check: Bool = true, env: [String: String] = [:]) throws -> Output {
        try sh(Self.prelude + "\n" + script, check: check, env: env, namespace: true)
    }

    public static let prelude = #"""
        set -u
        lw_targets() { awk -v d="$D/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | tac; }
        lw_unmount_all() {
            local i t ts
            for i in 1 2 3 4 5 6; do
                ts=$(lw_targets)
                [ -n "$ts" ] || return 0
                for t in $ts; do umount "$t" 2>/dev/null || true; done
            done
            for t in $(lw_targets); do umount -l "$t" || true; done
        }
        trap lw_unmount_all EXIT
        lw() {
            local name=$1; shift
            # I7: a claim never hangs; a stuck one fails the test (status 124/137) instead of CI.
            # A failing lwctl is a result to look at, not the end of a `set -e` script.
            local rc=0
            timeout -k 5 120 "$LW" "$@" >"$OUT/$name.json" 2>"$OUT/$name.err" || rc=$?
            echo $rc >"$OUT/$name.rc"
        }
        lw_mounts() { cat /proc/self/mountinfo >"$OUT/$1.mountinfo"; }
        """#

    // MARK: reading results

    /// What `lw NAME …` left behind: its status, output and (when it printed JSON) the object.
    public struct Outcome {
        public var status: Int32
        public var json: [String: Any]
        public var stdout: String
        public var stderr: String

        public var mode: String? { json["mode"] as? String }
        public var steps: [[String: Any]] { json["steps"] as? [[String: Any]] ?? [] }
        public var actions: [String] { steps.compactMap { $0["action"] as? String } }
        public var skipped: [[String: Any]] { json["skipped"] as? [[String: Any]] ?? [] }
        public var fallback: String? { json["fallback"] as? String }

        public func skipReason(_ device: String) -> String? {
            skipped.first { ($0["device"] as? String) == device }?["reason"] as? String
        }

        /// The stable name of why `device` was skipped, and of the I4 refusals behind it.
        public func skipCode(_ device: String) -> String? {
            skipped.first { ($0["device"] as? String) == device }?["code"] as? String
        }

        public func skipRefusals(_ device: String) -> [String] {
            skipped.first { ($0["device"] as? String) == device }?["refusals"] as? [String] ?? []
        }
    }

    /// What `lw NAME …` left behind.
    public func run(_ name: String) throws -> Outcome {
        let rcText = try String(contentsOfFile: "\(out)/\(name).rc", encoding: .utf8)
        let stdout = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name).json"))
        let stderr = (try? String(contentsOfFile: "\(out)/\(name).err", encoding: .utf8)) ?? ""
        // Not every command was asked for JSON; then `json` is empty and `stdout` has the text.
        let json = (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any] ?? [:]
        return Outcome(
            status: Int32(rcText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, json: json,
            stdout: String(decoding: stdout, as: UTF8.self), stderr: stderr)
    }

    public struct Mount {
        public var target: String
        public var type: String
        public var source: String
        public var options: String
    }

    /// The mount table `lw_mounts NAME` saved, only what lies under this sandbox.
    public func mounts(_ name: String) throws -> [Mount] {
        let text = try String(contentsOfFile: "\(out)/\(name).mountinfo", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { return nil }
            let left = halves[0].split(separator: " ")
            let right = halves[1].split(separator: " ")
            guard left.count >= 6, right.count >= 2 else { return nil }
            return Mount(target: String(left[4]), type: String(right[0]), source: String(right[1]), options: String(left[5]))
        }.filter { $0.target.hasPrefix(dir + "/") }
    }

    // MARK: looking at disks

    /// `blkid -p -o export` of a device or image (optionally at an offset/size): KEY → value; empty if nothing.
    public func blkid(_ path: String, offset: UInt64? = nil, size: UInt64? = nil) throws -> [String: String] {
        var argv = "blkid -p -o export"
        if let offset { argv += " -O \(offset)" }
        if let size { argv += " -S \(size)" }
        let r = try sh("\(argv) \(path)", check: false)
        guard r.status == 0 else { return [:] }
        var out: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            if let eq = line.firstIndex(of: "=") { out[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
        }
        return out
    }

    public func bytes(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return Array(try handle.read(upToCount: count) ?? Data())
    }

    /// sha256 of `length` bytes from `offset` (all of it when nil).
    public func sha256(_ path: String, offset: UInt64 = 0, length: UInt64? = nil) throws -> String {
        let count = length.map { " count=\($0)" } ?? ""
        let r = try sh("dd if=\(path) bs=1M iflag=skip_bytes,count_bytes skip=\(offset)\(count) status=none | sha256sum")
        return String(r.stdout.prefix(64))
    }

    /// The claim record (file-system UUID) beside the magic, as the executor writes it at byte 400.
    public func claimRecordUUID(_ path: String) throws -> String? {
        let b = try bytes(path, at: 400, count: 24)
        guard b.count == 24, Array(b[0..<8]) == Array("LWCLAIM1".utf8) else { return nil }
        let hex = b[8..<24].map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    public static let magic = Array("lightwhale-please-format-me".utf8)

    public func hasMagic(_ path: String) throws -> Bool { try bytes(path, at: 0, count: Self.magic.count) == Self.magic }
}

