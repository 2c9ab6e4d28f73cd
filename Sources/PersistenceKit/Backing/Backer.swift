#if canImport(Glibc)
import Glibc
#endif
import Backup

/// `lwctl backup`: tar of what persists, read as it passes (each file hashed), compressed with
/// zstd, its checksums appended as the last member. Running containers are paused for the copy.
public enum Backer {
    public struct Result: Encodable, Sendable {
        public var output: String
        /// The archive's size.
        public var bytes: UInt64
        public var files: Int
        /// The files' bytes, before compression.
        public var fileBytes: UInt64
        public var seconds: Double
        public var paused: [String]
        public var withImages: Bool
    }

    /// `(bytes of the tar stream read, bytes of files expected, seconds so far)`.
    public typealias Progress = (UInt64, UInt64, Double) -> Void

    /// `output`: an absolute path (written as `.part`, renamed when complete) or `-` (stdout).
    /// `docker`: pause running containers (the real root's engine; tests on a sandbox root say no).
    public static func backup(
        root: String, output: String, withImages: Bool, docker: Bool, created: String, host: String, progress: Progress
    ) throws -> Result {
        signal(SIGPIPE, SIG_IGN)
        let policy = Policy.random(root: root)
        let status = LiveSystem.status(policy: policy)
        guard status.mode == .persistent else { throw BackupError.notPersistent(mode: status.mode.rawValue, why: status.reason.description) }
        let data = policy.dataMountPoint
        let members = BackupPlan.contents(withImages: withImages).filter { Directory.exists(data + "/" + $0) }
        let expected = members.reduce(0) { $0 + Directory.treeSize(data + "/" + $1) }

        let staging = Paths.join(root, "run/lightwhale/backup.\(getpid())")
        try? Directory.removeTree(staging)
        try Directory.create(staging, mode: 0o700)
        defer { try? Directory.removeTree(staging) }

        let engine = docker ? Engine() : nil
        var control = [BackupManifest.name]
        if let definitions = engine?.definitions() {
            try TextFile.write(staging + "/" + BackupPlan.containersName, definitions)
            control.append(BackupPlan.containersName)
        }
        let paused = try engine?.pauseRunning() ?? []
        defer { engine?.unpause(paused) }
        let manifest = BackupManifest(
            version: Stager.runningVersion(root: root) ?? "unknown", created: created, host: host,
            withImages: withImages, contents: members, paused: paused.map(\.name))
        try TextFile.write(staging + "/" + BackupManifest.name, manifest.encoded())

        let sink = try Sink(output)
        var excluded: [String] = []
        if let file = sink.partPath, let member = BackupPlan.member(forOutput: file, policy: policy) { excluded = [member, String(member.dropLast(5))] }
        let argv = BackupPlan.createArguments(staging: staging, control: control, dataRoot: data, members: members, exclude: excluded)
        let tar = try Streamed(argv, .readingItsOutput)
        let clock = ClaimClock.system
        let start = clock.milliseconds()
        var seconds: Double { Double(clock.milliseconds() - start) / 1000 }
        var reader = ArchiveReader()
        let zstd = ZstdStream(.compress(level: 3))
        var lastShown = -1
        do {
            while true {
                let piece = try Stream.read(tar.fd, count: 1 << 18, what: "tar")
                if piece.isEmpty { break }
                let from = reader.offset
                try reader.feed(piece[...])
                // tar's end blocks are left out: the checksums follow its members.
                let keep = reader.end.map { $0 > from ? Int(min(UInt64(piece.count), $0 - from)) : 0 } ?? piece.count
                try zstd.process(piece[0..<keep]) { try sink.write($0) }
                if Int(seconds) != lastShown {
                    lastShown = Int(seconds)
                    progress(reader.offset, expected, seconds)
                }
            }
            let (code, errors) = tar.finish()
            guard code == 0, reader.end != nil else {
                throw SystemError("back up", data, "tar exited \(code)" + (errors.isEmpty ? "" : ": \(errors)"))
            }
            let sums = reader.read
            let trailer = TarScanner.fileMember(name: BackupSums.name, contents: sums.encoded(), mtime: UInt64(time(nil))) + TarScanner.endBlocks
            try zstd.process(trailer[...], last: true) { try sink.write($0) }
            progress(reader.offset, expected, seconds)
            let bytes = try sink.complete()
            return Result(
                output: output, bytes: bytes, files: sums.files.count, fileBytes: sums.bytes, seconds: seconds, paused: paused.map(\.name),
                withImages: withImages)
        } catch {
            tar.stop()
            sink.discard()
            throw error
        }
    }

    /// The archive's destination: a file written under a `.part` name until it is whole, or stdout.
    final class Sink {
        let path: String?
        let fd: Int32
        private(set) var written: UInt64 = 0

        var partPath: String? { path.map { $0 + ".part" } }

        init(_ output: String) throws {
            if output == "-" {
                guard !LiveSystem.isTerminal(1) else {
                    throw SystemError("write the backup to", "stdout", "it is a terminal; redirect it to a file or a pipe, or use --output FILE")
                }
                path = nil
                fd = 1
                return
            }
            path = output
            let part = output + ".part"
            unlink(part)
            // The archive holds /etc/shadow and SSH host keys: readable by root alone.
            fd = try retrying("create", part) { open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        }

        func write(_ bytes: ArraySlice<UInt8>) throws {
            try Stream.write(fd, bytes, what: path ?? "stdout")
            written += UInt64(bytes.count)
        }

        func complete() throws -> UInt64 {
            guard let path else { return written }
            let part = path + ".part"
            guard fsync(fd) == 0 else { throw SystemError.errno("sync", part) }
            close(fd)
            guard rename(part, path) == 0 else { throw SystemError.errno("rename \(part) to", path) }
            try Directory.sync(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
            return written
        }

        func discard() {
            guard let path else { return }
            close(fd)
            unlink(path + ".part")
        }
    }

    /// The Docker engine of the running system, through its CLI.
    struct Engine {
        struct Container { var id: String, name: String }

        /// `docker inspect` of every container; nil when the engine does not answer.
        func definitions() -> [UInt8]? {
            guard let ids = try? Subprocess.capture(["docker", "ps", "--all", "--quiet", "--no-trunc"]), ids.status == 0 else { return nil }
            let list = String(decoding: ids.output, as: UTF8.self).split(separator: "\n").map(String.init)
            guard !list.isEmpty else { return Array("[]\n".utf8) }
            guard let inspect = try? Subprocess.capture(["docker", "inspect"] + list), inspect.status == 0 else { return nil }
            return inspect.output
        }

        func pauseRunning() throws -> [Container] {
            guard let ps = try? Subprocess.capture(["docker", "ps", "--filter", "status=running", "--format", "{{.ID}} {{.Names}}"]), ps.status == 0
            else { return [] }
            let running = String(decoding: ps.output, as: UTF8.self).split(separator: "\n").compactMap { line -> Container? in
                let parts = line.split(separator: " ", maxSplits: 1)
                return parts.count == 2 ? Container(id: String(parts[0]), name: String(parts[1])) : nil
            }
            guard !running.isEmpty else { return [] }
            let paused = try Subprocess.capture(["docker", "pause"] + running.map(\.id))
            guard paused.status == 0 else {
                unpause(running)
                throw SystemError("pause the containers for", "the backup", "docker pause exited \(paused.status): \(paused.errors)")
            }
            return running
        }

        func unpause(_ containers: [Container]) {
            guard !containers.isEmpty else { return }
            _ = try? Subprocess.capture(["docker", "unpause"] + containers.map(\.id))
        }
    }
}
