#if canImport(Glibc)
import Glibc
#endif
import Backup

/// `lwctl restore`: a new data disk from a backup. The archive's manifest is read before the
/// disk is touched; the disk is made under names no boot uses for data, the archive expanded
/// into it by tar while every file is hashed, and only a whole, matching archive renames it.
public enum Restorer {
    public struct Result: Encodable, Sendable {
        public var device: String
        public var partition: String
        public var version: String
        public var created: String
        public var files: Int
        public var fileBytes: UInt64
        public var seconds: Double
    }

    /// `(bytes of the archive read, its size if known, seconds so far)`.
    public typealias Progress = (UInt64, UInt64?, Double) -> Void

    /// The archive, opened and read up to its manifest (so a wrong file is refused first).
    public final class Archive {
        let fd: Int32
        let path: String
        public let size: UInt64?
        /// Read by `init`, which throws when there is none.
        public var manifest: BackupManifest { reader.manifest! }
        var read: UInt64 = 0
        var reader = ArchiveReader()
        let zstd = ZstdStream(.decompress)
        /// Expanded bytes read ahead while looking for the manifest: tar gets them first.
        var pending: [UInt8] = []
        var atEnd = false

        public init(_ path: String) throws {
            self.path = path
            if path == "-" {
                fd = 0
                size = nil
            } else {
                fd = try retrying("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
                var st = stat()
                size = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? UInt64(st.st_size) : nil
            }
            while reader.manifest == nil {
                guard let piece = try next() else { _ = try reader.verdict(); break }
                pending += piece
            }
        }

        /// The next expanded piece, checked by the reader before anyone writes it; nil at the end.
        func next() throws -> [UInt8]? {
            while !atEnd {
                let raw = try Stream.read(fd, count: 1 << 18, what: path)
                if raw.isEmpty {
                    atEnd = true
                    guard zstd.frameComplete else { throw BackupError.damaged("it ends inside a zstd frame: cut short") }
                    break
                }
                read += UInt64(raw.count)
                var out: [UInt8] = []
                do {
                    try zstd.process(raw[...]) { out += $0 }
                } catch {
                    throw reader.offset == 0 ? BackupError.notABackup("it is not zstd-compressed (\(error))") : BackupError.damaged("\(error)")
                }
                if !out.isEmpty {
                    try reader.feed(out[...])
                    return out
                }
            }
            return nil
        }
    }

    /// `confirm` sees the disk and the archive's manifest and throws to stop (nothing written).
    public static func restore(
        _ archive: Archive, device: String, root: String, force: Bool, confirm: (Disk) throws -> Void, progress: Progress
    ) throws -> Result {
        signal(SIGPIPE, SIG_IGN)
        let policy = Policy.random(root: root)
        let inventory = try Prober().inventory(devices: [device])
        let disk = inventory.disks[0]
        let refusals = Roles.enableRefusals(for: disk, policy: policy)
        guard refusals.isEmpty else { throw SystemError("restore onto", disk.path, refusals.sentence) }
        if let why = Roles.enableNeedsForce(for: disk), !force {
            throw SystemError("restore onto", disk.path, "\(why); if that data is to go, run it again with --force")
        }
        guard try DeviceFile(disk.path).isBlockDevice else {
            throw SystemError("restore onto", disk.path, "it is not a block device; attach an image file with `losetup -f --show FILE` and restore onto the loop device")
        }
        let target = Paths.join(root, "run/lightwhale/restore.\(getpid())")
        guard let (steps, partition) = Restoring.steps(for: disk, policy: policy, target: target) else {
            throw SystemError("restore onto", disk.path, "it is too small for a data partition")
        }
        try confirm(disk)

        let clock = ClaimClock.system
        let start = clock.milliseconds()
        var seconds: Double { Double(clock.milliseconds() - start) / 1000 }
        let executor = SystemExecutor()
        var node = ""
        do {
            for step in steps { try executor.run(step) }
            node = try executor.location(partition, device: partition.displayName).path
            try expand(archive, into: target, progress: { progress($0, archive.size, seconds) })
            _ = try archive.reader.verdict()
            let restored = target + "/" + BackupPlan.restoredDirectory
            try Directory.create(target + "/lightwhale")
            try Directory.create(restored, mode: 0o700)
            for name in [BackupManifest.name, BackupSums.name, BackupPlan.containersName] where Directory.exists(target + "/" + name) {
                guard rename(target + "/" + name, restored + "/" + name) == 0 else { throw SystemError.errno("move \(name) into", restored) }
            }
            try Directory.sync(target)
            guard umount2(target, 0) == 0 else { throw SystemError.errno("unmount", target) }
            try Ext2fs.setLabel(Policy.dataLabel, path: node)
            try executor.run(Restoring.finishing(partition, policy: policy))
        } catch {
            executor.rollback()
            // rmdir, never a tree: if the unmount failed, what is below is the new disk's.
            rmdir(target)
            throw RestoreFailure(device: disk.path, cause: error)
        }
        rmdir(target)
        let sums = archive.reader.read
        return Result(
            device: disk.path, partition: node, version: archive.manifest.version, created: archive.manifest.created, files: sums.files.count,
            fileBytes: sums.bytes, seconds: seconds)
    }

    /// tar -x fed from the archive: each piece checked by the reader (an unsafe name is refused
    /// before tar reads it), then written.
    static func expand(_ archive: Archive, into target: String, progress: (UInt64) -> Void) throws {
        let tar = try Streamed(BackupPlan.extractArguments(target: target), .writingItsInput)
        var lastShown = UInt64.max
        do {
            var piece: [UInt8]? = archive.pending
            archive.pending = []
            while let bytes = piece {
                try Stream.write(tar.fd, bytes[...], what: "tar")
                if archive.read >> 24 != lastShown {
                    lastShown = archive.read >> 24
                    progress(archive.read)
                }
                piece = try archive.next()
            }
            progress(archive.read)
        } catch {
            tar.stop()
            throw error
        }
        let (code, errors) = tar.finish()
        guard code == 0 else { throw SystemError("expand the archive into", target, "tar exited \(code)" + (errors.isEmpty ? "" : ": \(errors)")) }
    }

    /// A restore that stopped once the disk was being written: what it left is said with the cause.
    public struct RestoreFailure: Error, CustomStringConvertible {
        public var device: String
        public var cause: any Error

        public var description: String {
            "\(cause); \(device) now holds an unfinished restore (partition \(Restoring.partitionName)), which no boot uses as a data disk: restore again, or enable it"
        }
    }
}
