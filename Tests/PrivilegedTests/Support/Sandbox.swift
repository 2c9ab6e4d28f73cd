#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// One test's private world: a temp directory holding a fake root file system, the disk images it
/// makes and the loop devices it attaches. Everything that mounts runs in a private mount namespace
/// (`ns`), which unmounts all it mounted before it ends; `cleanup` detaches every loop device and
/// removes the directory, whatever happened. Never touches a device it did not create.
final class Sandbox: @unchecked Sendable {
    @TaskLocal static var current: Sandbox?

    /// The sandbox of the running test (see `SandboxTrait`).
    static var get: Sandbox {
        get throws {
            guard let s = current else { throw HarnessError("no sandbox: add `.sandbox` to the test") }
            return s
        }
    }

    let dir: String
    let root: String
    let out: String
    let lwctl: String
    private var loops: [String] = []
    private var stale: [String] = []
    private var cleaned = false

    init() throws {
        try Privilege.require()
        lwctl = try Self.findLwctl()
        var template = Array("/tmp/lwpriv.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        dir = String(cString: made)
        root = dir + "/root"
        out = dir + "/out"
        try makeRoot()
    }

    deinit { cleanup() }

    /// A small but real root: what the overlays cover must exist and hold something to shadow.
    private func makeRoot() throws {
        let fm = FileManager.default
        for d in ["etc/docker", "home/op", "var/www", "mnt/lightwhale-data", "run"] {
            try fm.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true)
        }
        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        try write(root + "/etc/docker/daemon.json", #"{"data-root": "/mnt/lightwhale-data/docker"}"# + "\n")
        try write(root + "/etc/hostname", "lightwhale\n")
        try write(root + "/etc/motd", "Welcome to Lightwhale (the lower layer)\n")
        try write(root + "/home/op/.profile", "export PS1='$ '\n")
        try write(root + "/var/www/index.html", "<h1>lower</h1>\n")
    }

    func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    // MARK: the binary

    /// `LWCTL` if set, else `lwctl` next to (or one level above) the test bundle.
    static func findLwctl() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let override = env["LWCTL"], !override.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: override) else {
                throw HarnessError("LWCTL=\(override) is not an executable file")
            }
            return override
        }
        var starts: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(exe) }
        if let arg0 = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: arg0).standardizedFileURL.path)
        }
        var tried: [String] = []
        for start in starts {
            var dir = URL(fileURLWithPath: start).deletingLastPathComponent()
            for _ in 0..<3 {
                let candidate = dir.appendingPathComponent("lwctl").path
                tried.append(candidate)
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        throw HarnessError("lwctl not found (looked at \(tried.joined(separator: ", "))); build it (`swift build`) or set LWCTL=/path/to/lwctl")
    }

    // MARK: images and loop devices

    /// A sparse image file of `size` (as `truncate -s` takes it), optionally with the guide's magic.
    @discardableResult
    func image(_ name: String, size: String, magic: Bool = false) throws -> String {
        let path = "\(dir)/\(name).img"
        try sh("truncate -s \(size) \(path)")
        if magic { try writeMagic(path) }
        return path
    }

    /// The guide's way: `echo "lightwhale-please-format-me" | dd conv=notrunc of=…`.
    func writeMagic(_ target: String) throws {
        try sh(#"echo "lightwhale-please-format-me" | dd of=\#(target) conv=notrunc status=none && sync"#)
    }

    /// `losetup -f --show` (or onto the free device `at`); detached by `cleanup` if the test does not do it.
    func attach(_ image: String, readOnly: Bool = false, at device: String? = nil, sectorSize: Int = 512) throws -> String {
        let loop = try sh("losetup \(device ?? "-f") --show --sector-size \(sectorSize) \(readOnly ? "-r " : "")\(image)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard loop.hasPrefix("/dev/loop") else { throw HarnessError("losetup gave '\(loop)'") }
        loops.append(loop)
        return loop
    }

    /// Forget the kernel's partitions of `loop` (this kernel does not drop them on detach), detach it,
    /// and wait until the kernel has let go of the backing file.
    /// With `forgetPartitions: false` the kernel keeps them, stale, as after someone else's detach
    /// (`cleanup` removes them in the end).
    func detach(_ loop: String, forgetPartitions: Bool = true) {
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
    func reboot(_ loop: String, image: String) throws -> String {
        detach(loop)
        let filler = "\(dir)/filler-\(loops.count).img"
        try sh("truncate -s 1M \(filler)")
        _ = try attach(filler)
        return try attach(image)
    }

    /// The kernel node of partition `n` of `loop` (present when lwctl or partx added it).
    func partitionNode(_ loop: String, _ n: Int) -> String { "\(loop)p\(n)" }

    func cleanup() {
        guard !cleaned else { return }
        cleaned = true
        for loop in loops.reversed() { detach(loop) }
        for loop in stale { forgetKernelPartitions(loop) }
        _ = try? sh("rm -rf \(dir)", check: false)
    }

    // MARK: running things

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a bash script with D, R, OUT and LW (the lwctl path) set; throws when it fails and `check`.
    @discardableResult
    func sh(_ script: String, check: Bool = true, env: [String: String] = [:], namespace: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: namespace ? "/usr/bin/unshare" : "/bin/bash")
        process.arguments = (namespace ? ["--mount", "--propagation", "private", "/bin/bash"] : []) + ["-c", script]
        var environment = [
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C",
            "D": dir, "R": root, "OUT": out, "LW": lwctl,
        ]
        environment.merge(env) { $1 }
        process.environment = environment
        let tag = UUID().uuidString
        let outPath = "\(dir)/.sh-\(tag).out"
        let errPath = "\(dir)/.sh-\(tag).err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        let result = Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
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
    func ns(_ script: String, check: Bool = true, env: [String: String] = [:]) throws -> Result {
        try sh(Self.prelude + "\n" + script, check: check, env: env, namespace: true)
    }

    static let prelude = #"""
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
            timeout -k 5 120 "$LW" "$@" >"$OUT/$name.json" 2>"$OUT/$name.err"
            echo $? >"$OUT/$name.rc"
            return 0
        }
        lw_mounts() { cat /proc/self/mountinfo >"$OUT/$1.mountinfo"; }
        """#

    // MARK: reading results

    struct Run {
        var status: Int32
        var json: [String: Any]
        var stdout: String
        var stderr: String

        var mode: String? { json["mode"] as? String }
        var steps: [[String: Any]] { json["steps"] as? [[String: Any]] ?? [] }
        var actions: [String] { steps.compactMap { $0["action"] as? String } }
        var skipped: [[String: Any]] { json["skipped"] as? [[String: Any]] ?? [] }
        var fallback: String? { json["fallback"] as? String }

        func skipReason(_ device: String) -> String? {
            skipped.first { ($0["device"] as? String) == device }?["reason"] as? String
        }

        /// The stable name of why `device` was skipped, and of the I4 refusals behind it.
        func skipCode(_ device: String) -> String? {
            skipped.first { ($0["device"] as? String) == device }?["code"] as? String
        }

        func skipRefusals(_ device: String) -> [String] {
            skipped.first { ($0["device"] as? String) == device }?["refusals"] as? [String] ?? []
        }
    }

    /// What `lw NAME …` left behind.
    func run(_ name: String) throws -> Run {
        let rcText = try String(contentsOfFile: "\(out)/\(name).rc", encoding: .utf8)
        let stdout = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name).json"))
        let stderr = (try? String(contentsOfFile: "\(out)/\(name).err", encoding: .utf8)) ?? ""
        // Not every command was asked for JSON; then `json` is empty and `stdout` has the text.
        let json = (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any] ?? [:]
        return Run(
            status: Int32(rcText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, json: json,
            stdout: String(decoding: stdout, as: UTF8.self), stderr: stderr)
    }

    struct Mount {
        var target: String
        var type: String
        var source: String
        var options: String
    }

    /// The mount table `lw_mounts NAME` saved, only what lies under this sandbox.
    func mounts(_ name: String) throws -> [Mount] {
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
    func blkid(_ path: String, offset: UInt64? = nil, size: UInt64? = nil) throws -> [String: String] {
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

    func bytes(_ path: String, at offset: UInt64, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return Array(try handle.read(upToCount: count) ?? Data())
    }

    /// sha256 of `length` bytes from `offset` (all of it when nil).
    func sha256(_ path: String, offset: UInt64 = 0, length: UInt64? = nil) throws -> String {
        let count = length.map { " count=\($0)" } ?? ""
        let r = try sh("dd if=\(path) bs=1M iflag=skip_bytes,count_bytes skip=\(offset)\(count) status=none | sha256sum")
        return String(r.stdout.prefix(64))
    }

    /// The claim record (file-system UUID) beside the magic, as the executor writes it at byte 400.
    func claimRecordUUID(_ path: String) throws -> String? {
        let b = try bytes(path, at: 400, count: 24)
        guard b.count == 24, Array(b[0..<8]) == Array("LWCLAIM1".utf8) else { return nil }
        let hex = b[8..<24].map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    static let magic = Array("lightwhale-please-format-me".utf8)

    func hasMagic(_ path: String) throws -> Bool { try bytes(path, at: 0, count: Self.magic.count) == Self.magic }
}

/// Gives each test (each case of a parameterized test) its own `Sandbox`, cleaned up afterwards.
struct SandboxTrait: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> SandboxTrait? {
        // One sandbox per test case; nothing for a suite as a whole.
        test.isSuite ? nil : (testCase == nil && test.isParameterized ? nil : self)
    }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let sandbox = try Sandbox()
        defer { sandbox.cleanup() }
        try await Sandbox.$current.withValue(sandbox) { try await function() }
    }
}

extension Trait where Self == SandboxTrait {
    /// Run the test in its own `Sandbox` (temp root, images, loop devices, all cleaned up).
    static var sandbox: SandboxTrait { SandboxTrait() }
}
