#if canImport(Glibc)
import Glibc
#endif
import PersistenceCore
import Updating

/// `lwctl update`: copies a signed image's kernel, initrd and root images onto the data file
/// system, each checked against the signed manifest as it is copied. The boot medium is never
/// written. A version is complete only once renamed from `<version>.part`, so a power cut
/// leaves an interrupted staging that the next boot from the medium (or update) discards.
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
        /// Files of /etc this system's owner changed that the new version changes too: their
        /// copies (in the data disk's overlay) hide the new version's (`Shadowing`).
        public var hidden: [String]
    }

    /// `(file, bytes done, bytes in all, seconds so far)`, after every piece copied.
    public typealias Progress = (String, UInt64, UInt64, Double) -> Void

    public static func keyPath(root: String) -> String { Paths.join(root, "usr/lib/lightwhale/update.pub") }

    public static func updatesDirectory(policy: Policy) -> String { Paths.join(policy.dataMountPoint, Staging.directory) }

    /// This system's version, from /usr/lib/lightwhale/release (which /etc/lightwhale-release
    /// links to: a copy in the persisted /etc would outlive its image).
    public static func runningVersion(root: String) -> String? {
        let text = TextFile.read(Paths.join(root, "usr/lib/lightwhale/release")) ?? TextFile.read(Paths.join(root, "etc/lightwhale-release")) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("VERSION=") }.map { String($0.dropFirst(8)) }
    }

    /// The updates directory's state file; nil when there is none (nothing was ever staged).
    public static func state(policy: Policy) -> UpdateState? {
        LiveSystem.read(updatesDirectory(policy: policy) + "/state.json").flatMap(UpdateState.parse)
    }

    static func requiredVersion(root: String) throws -> String {
        guard let v = runningVersion(root: root) else { throw SystemError("read version", Paths.join(root, "usr/lib/lightwhale/release"), "no VERSION=") }
        return v
    }

    public static func stage(image: String, root: String, allowDowngrade: Bool, progress: Progress) throws -> Result {
        let policy = Policy.random(root: root)
        let status = LiveSystem.status(policy: policy)
        try Staging.requirePersistence(status.mode, reason: status.reason.description)
        guard let keyFile = LiveSystem.read(keyPath(root: root)) else {
            throw SystemError("read update key", keyPath(root: root), "missing: this system was built without an update key")
        }
        let key = try UpdateKey(publicFile: keyFile)
        let running = try requiredVersion(root: root)

        let medium = try ImageFile(image)
        let signature = try medium.contents("lightwhale/manifest.sig")
        let manifest = try ManifestSignature.verify(manifest: try medium.contents("lightwhale/manifest.json"), signature: signature, key: key)

        let updates = updatesDirectory(policy: policy)
        let statePath = updates + "/state.json"
        var state = LiveSystem.read(statePath).flatMap(UpdateState.parse) ?? UpdateState()
        // What may be booted stays (the running version, the good one and the one before it),
        // unless this image replaces it.
        let keep = state.kept.union([running]).subtracting([manifest.version])
        let old = Directory.list(updates).filter { !keep.contains($0) && Directory.isDirectory(updates + "/" + $0) }
        let interrupted = old.filter { Staging.interrupted($0) != nil }
        let earlier = old.filter { Staging.interrupted($0) == nil }
        let free = Mounting.statfs(policy.dataMountPoint)?.free ?? 0
        try Staging.check(
            manifest,
            Staging.Facts(
                running: running, free: free,
                reclaimable: old.reduce(0) { $0 + Directory.treeSize(updates + "/" + $1) }, allowDowngrade: allowDowngrade))

        let started = ClaimClock.system.milliseconds()
        for name in interrupted { try Directory.removeTree(updates + "/" + name) }
        // An earlier staged version is kept until this one is complete, unless its room is needed.
        var removed = interrupted
        if Staging.needsRoomOfEarlier(manifest, free: free + interrupted.reduce(0) { $0 + Directory.treeSize(updates + "/" + $1) }) {
            try unstage(&state, at: statePath)
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
            // The new initrd knows its root files by its stamp, as on a medium.
            try TextFile.write(part + "/boot/" + manifest.stamp, [])
            try Directory.sync(part + "/boot")
            try Directory.sync(part)
            try unstage(&state, at: statePath)
            for name in earlier where !removed.contains(name) { try Directory.removeTree(updates + "/" + name) }
            let final = updates + "/" + manifest.version
            try retrying("rename", part) { rename(part, final) }
            try Directory.sync(updates)
            (state.staged, state.stagedStamp) = (manifest.version, manifest.stamp)
            if state.failed?.version == manifest.version { state.failed = nil }
            try TextFile.replace(statePath, state.encoded())
            return Result(
                version: manifest.version, stamp: manifest.stamp, running: running, directory: final, bytes: manifest.totalSize,
                seconds: Double(ClaimClock.system.milliseconds() - started) / 1000, discarded: old.sorted(),
                hidden: hidden(root: root, policy: policy, staged: final))
        } catch {
            try? Directory.removeTree(part)
            throw error
        }
    }

    static func hidden(root: String, policy: Policy, staged: String) -> [String] {
        guard let next = TextFile.read(staged + "/" + Shadowing.stagedPath),
            let etc = policy.overlays.first(where: { $0.target == Paths.join(root, "etc") })
        else { return [] }
        let running = TextFile.read(Paths.join(root, Shadowing.imagePath)) ?? ""
        return Shadowing.hidden(
            owned: Directory.filesAndWhiteouts(etc.upper, prefix: "etc"), running: Shadowing.parse(running), next: Shadowing.parse(next))
    }

    /// Nothing staged, saved before a staged version's files go.
    static func unstage(_ state: inout UpdateState, at path: String) throws {
        guard state.staged != nil else { return }
        (state.staged, state.stagedStamp) = (nil, nil)
        try TextFile.replace(path, state.encoded())
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

/// The boot side of updates: the state file moved by `UpdateBoot`'s decisions, on the data disk.
extension Stager {
    public struct Moved: Codable, Sendable {
        public var choice: String
        /// The directory of the version to boot, when it is not the medium's.
        public var directory: String?
        public var state: UpdateState
    }

    /// For the medium's /init after the claim: which version to boot, saved as being tried first.
    /// An interrupted staging (or download) is discarded first, and said.
    public static func nextBoot(root: String) throws -> Moved {
        let (policy, updates, state) = try load(root: root)
        let medium = try requiredVersion(root: root)
        // nothing downloads at boot: a download there was cut short
        unlink(updates + "/" + Download.name)
        var found = state
        for name in Directory.list(updates).sorted() where Directory.isDirectory(updates + "/" + name) {
            guard let version = Staging.interrupted(name) else { continue }
            try Directory.removeTree(updates + "/" + name)
            found = UpdateBoot.discardedStaging(found, version)
        }
        let (choice, next) = UpdateBoot.choose(found, medium: medium) { complete(updates + "/" + $0) }
        if next != state { try save(next, policy: policy) }
        switch choice {
        case .medium: return Moved(choice: "medium", directory: nil, state: next)
        case .version(let v): return Moved(choice: v, directory: updates + "/" + v, state: next)
        }
    }

    /// For a version booted from the data disk, once sshd and Docker are up.
    public static func markGood(root: String) throws -> UpdateState {
        let (policy, _, state) = try load(root: root)
        let running = try requiredVersion(root: root)
        let next = UpdateBoot.markGood(state, running: running)
        if next != state { try save(next, policy: policy) }
        return next
    }

    /// For a version booted from the data disk whose sshd or Docker did not come up in time:
    /// the new state if it was abandoned (being tried), nil if it is kept (it came up before).
    public static func giveUp(root: String, reason: String) throws -> UpdateState? {
        let (policy, _, state) = try load(root: root)
        guard let next = UpdateBoot.giveUp(state, running: try requiredVersion(root: root), reason: reason) else { return nil }
        try save(next, policy: policy)
        return next
    }

    /// A version this boot could not start (its kernel would not load): not tried again.
    public static func abandon(root: String, version: String, reason: String) throws {
        let (policy, _, state) = try load(root: root)
        try save(UpdateBoot.abandon(state, version, reason: reason), policy: policy)
    }

    public static func rollback(root: String) throws -> UpdateState {
        let (policy, _, state) = try load(root: root)
        let running = try requiredVersion(root: root)
        let next = try UpdateBoot.rollback(state, running: running)
        try save(next, policy: policy)
        return next
    }

    static func load(root: String) throws -> (Policy, String, UpdateState) {
        let policy = Policy.random(root: root)
        let status = LiveSystem.status(policy: policy)
        try Staging.requirePersistence(status.mode, reason: status.reason.description)
        let updates = updatesDirectory(policy: policy)
        return (policy, updates, LiveSystem.read(updates + "/state.json").flatMap(UpdateState.parse) ?? UpdateState())
    }

    static func save(_ state: UpdateState, policy: Policy) throws {
        let updates = updatesDirectory(policy: policy)
        try Directory.create(updates)
        try TextFile.replace(updates + "/state.json", state.encoded())
    }

    /// A staged version whose every file is there (a directory emptied by hand is not booted).
    static func complete(_ directory: String) -> Bool {
        guard let bytes = LiveSystem.read(directory + "/manifest.json"), let manifest = try? UpdateManifest.parse(bytes) else { return false }
        return manifest.files.allSatisfy { Directory.treeSize(directory + "/" + $0.path) == $0.size }
    }
}
