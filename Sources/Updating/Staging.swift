import PersistenceCore

/// Where updates live on the data file system, and whether one may be staged: pure decisions
/// over what the stager read.
public enum Staging {
    /// Under the data mount point.
    public static let directory = "lightwhale/updates"
    /// Room left free beyond what a staged version takes, so that staging never fills the disk
    /// Docker and the overlays write to.
    public static let margin: UInt64 = 64 << 20

    /// The directory a version is copied into before it is complete; renamed to the version
    /// only after every file matched and was synced, so a power cut leaves only a `.part`.
    public static func partial(_ version: String) -> String { version + ".part" }

    /// Whether a name in the updates directory is an interrupted staging, and of which version.
    public static func interrupted(_ name: String) -> String? {
        name.hasSuffix(".part") ? String(name.dropLast(5)) : nil
    }

    /// Staged versions live on the data disk: nothing is staged without persistence in use.
    public static func requirePersistence(_ mode: SystemStatus.Mode, reason: String) throws(UpdateError) {
        guard mode == .persistent else { throw .notPersistent(mode: mode.rawValue, why: reason) }
    }

    public struct Facts: Sendable {
        public var running: String
        /// Bytes free on the data file system to users other than root.
        public var free: UInt64
        /// What staging will remove first: earlier staged versions and interrupted stagings.
        public var reclaimable: UInt64
        public var allowDowngrade: Bool

        public init(running: String, free: UInt64, reclaimable: UInt64, allowDowngrade: Bool) {
            self.running = running
            self.free = free
            self.reclaimable = reclaimable
            self.allowDowngrade = allowDowngrade
        }
    }

    /// Nothing is written unless this passes: a newer version (or leave to go back), and room
    /// for every file plus the margin.
    public static func check(_ manifest: UpdateManifest, _ facts: Facts) throws(UpdateError) {
        if !facts.allowDowngrade && Version.compare(manifest.version, facts.running) <= 0 {
            throw .notNewer(running: facts.running, offered: manifest.version)
        }
        let needed = manifest.totalSize + margin
        let available = facts.free + facts.reclaimable
        guard available >= needed else { throw .noRoom(needed: needed, free: available) }
    }

    /// Whether the earlier staged versions must go before this one is copied (they are kept
    /// until it is complete when there is room for both, so a failed staging loses nothing).
    public static func needsRoomOfEarlier(_ manifest: UpdateManifest, free: UInt64) -> Bool {
        free < manifest.totalSize + margin
    }
}
