#if canImport(Glibc)
import Glibc
#endif
import PersistenceCore
import Updating

/// `lwctl update`: copies a signed image's kernel, initrd and root images onto the data file
/// system, each checked against the signed manifest as it is copied. The boot medium is never
/// written. A version is complete only once renamed from `<version>.part`, so a power cut
/// leaves an interrupted staging that the next update (or boot) discards.
public enum Stager {
    public struct Result: Codable, Sendable {
        public var version: String
        public var stamp: String
        public var running: String
        public var directory: String
        public var bytes: UInt64
        public var seconds: Double
        /// Interrupted stagings and earlier staged versions removed.
        public var discarded: [String]
    }

    /// `(file, bytes done, bytes in all, seconds so far)`, after every piece copied.
    public typealias Progress = (String, UInt64, UInt64, Double) -> Void

    public static func keyPath(root: String) -> String { Paths.join(root, "usr/lib/lightwhale/update.pub") }

    public static func updatesDirectory(policy: Policy) -> String { Paths.join(policy.dataMountPoint, Staging.directory) }

    /// This system's version, from /etc/lightwhale-release.
    public static func runningVersion(root: String) -> String? {
        let text = TextFile.read(Paths.join(root, "etc/lightwhale-release")) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("VERSION=") }.map { String($0.dropFirst(8)) }
    }

    /// What waits in the updates directory, by its state file; nil when nothing is staged.
    public static func state(policy: Policy) -> UpdateState? {
        LiveSystem.read(updatesDirectory(policy: policy) + "/state.json").flatMap(UpdateState.parse).flatMap { $0.staged == nil ? nil : $0 }
    }

    public static func stage(image: String, root: String, allowDowngrade: Bool, progress: Progress) throws -> Result {
        let policy = Policy.random(root: root)
        let status = LiveSystem.status(policy: policy)
        try Staging.requirePersistence(status.mode, reason: status.reason.description)
        guard let keyFile = LiveSystem.read(keyPath(root: root)) else {
            throw SystemError("read update key", keyPath(root: root), "missing: this system was built without an update key")
        }
        let key = try UpdateKey(publicFile: keyFile)
        guard let running = runningVersion(root: root) else { throw SystemError("read version", Paths.join(root, "etc/lightwhale-release"), "no VERSION=") }

        let medium = try ImageFile(image)
        let signature = try medium.contents("lightwhale/manifest.sig")
        let manifest = try ManifestSignature.verify(manifest: try medium.contents("lightwhale/manifest.json"), signature: signature, key: key)

        let updates = updatesDirectory(policy: policy)
        let old = Directory.list(updates).filter { $0 != running && Directory.isDirectory(updates + "/" + $0) }
        let interrupted = old.filter { Staging.interrupted($0) != nil }
        let earlier = old.filter { Staging.interrupted($0) == nil }
        let free = Mounting.statfs(policy.dataMountPoint)?.free ?? 0
        try Staging.check(
            manifest,
            Staging.Facts(
                running: running, free: free,
                reclaimable: old.reduce(0) { $0 + Directory.treeSize(updates + "/" + $1) }, allowDowngrade: allowDowngrade))

        let started = ClaimClock.system.milliseconds()
        let statePath = updates + "/state.json"
        for name in interrupted { try Directory.removeTree(updates + "/" + name) }
        // An earlier staged version is kept until this one is complete, unless its room is needed.
        var removed = interrupted
        if Staging.needsRoomOfEarlier(manifest, free: free + interrupted.reduce(0) { $0 + Directory.treeSize(updates + "/" + $1) }) {
            try TextFile.replace(statePath, UpdateState().encoded())
            for name in earlier { try Directory.removeTree(updates + "/" + name) }
            removed += earlier
        }
        let part = updates + "/" + Staging.partial(manifest.version)
        try Directory.create(part + "/boot")
        do {
            var done: UInt64 = 0
            for file in manifest.files {
                try copy(medium, to: part + "/" + file.path, checking: file) { n in
                    done += n
                    progress(file.path, done, manifest.totalSize, Double(ClaimClock.system.milliseconds() - started) / 1000)
                }
            }
            try TextFile.write(part + "/manifest.json", manifest.encoded())
            try TextFile.write(part + "/manifest.sig", signature ?? [])
            try Directory.sync(part + "/boot")
            try Directory.sync(part)
            try TextFile.replace(statePath, UpdateState().encoded())
            for name in earlier where !removed.contains(name) { try Directory.removeTree(updates + "/" + name) }
            let final = updates + "/" + manifest.version
            try retrying("rename", part) { rename(part, final) }
            try Directory.sync(updates)
            try TextFile.replace(statePath, UpdateState(staged: manifest.version, stagedStamp: manifest.stamp).encoded())
            return Result(
                version: manifest.version, stamp: manifest.stamp, running: running, directory: final, bytes: manifest.totalSize,
                seconds: Double(ClaimClock.system.milliseconds() - started) / 1000, discarded: old.sorted())
        } catch {
            try? Directory.removeTree(part)
            throw error
        }
    }

    /// Copies the image's file to a new file `target`, hashing what it writes; fails, leaving the
    /// caller to remove the partial directory, when the size or the SHA-256 differs from `expected`.
    static func copy(_ medium: ImageFile, to target: String, checking expected: UpdateManifest.File, advanced: (UInt64) -> Void) throws {
        let source = try medium.entry(expected.path)
        let length = source.size
        guard length == expected.size else {
            throw UpdateError.mismatch(path: expected.path, why: "\(length) bytes, signed as \(expected.size)")
        }
        let fd = try retrying("create", target) { open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        defer { Glibc.close(fd) }
        var digest = FileDigest()
        var offset: UInt64 = 0
        while offset < length {
            let chunk: [UInt8]
            do {
                chunk = try medium.read(source, at: offset, count: Int(min(4 << 20, length - offset)))
            } catch {
                throw UpdateError.badImage("\(expected.path) cannot be read after \(offset) bytes (\(error)): the image is truncated or damaged")
            }
            if chunk.isEmpty { throw UpdateError.mismatch(path: expected.path, why: "it ends after \(offset) bytes") }
            try chunk.withUnsafeBytes { raw in
                digest.update(raw)
                var written = 0
                while written < raw.count {
                    written += try retrying("write", target) { Glibc.write(fd, raw.baseAddress! + written, raw.count - written) }
                }
            }
            offset += UInt64(chunk.count)
            advanced(UInt64(chunk.count))
        }
        let sum = digest.hex()
        guard sum == expected.sha256 else { throw UpdateError.mismatch(path: expected.path, why: "SHA-256 \(sum), signed as \(expected.sha256)") }
        try retrying("fsync", target) { fsync(fd) }
    }
}
