/// What `lwctl status` says, derived purely from the mount table, the last claim's report and
/// what the data mount looks like now (usage, read-only, device still there). The command only
/// renders it. Computed on demand, so it also sees what went wrong after the boot's claim.
public struct SystemStatus: Sendable, Equatable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case persistent
        case volatile
        /// A data file system is there but not used as is (damaged, protected, or more than one):
        /// a tmpfs, with the owner's settings read-only beneath it or password logins refused. Or
        /// the data file system was mounted but has since become unusable (its disk gone, or
        /// read-only after an error).
        case degraded
        /// Nothing at the data mount point: `lwctl claim` has not run this boot.
        case unset
    }

    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case notClaimed(mountPoint: String)
        /// The plan failed and the tmpfs fallback runs; `why` is the report's `fallback`.
        case fellBack(String)
        /// A tmpfs, and no report says why.
        case noPersistenceDevice
        /// A tmpfs the last claim decided on (`decision`).
        case decidedVolatile(String)
        /// The last claim degraded the boot (`decision`); `passwordLoginsRefused` when it also
        /// turned password logins off.
        case degraded(String, passwordLoginsRefused: Bool)
        case mounted(source: String, mountPoint: String)
        /// The data file system is mounted, but its block device has left the system since (a
        /// pulled disk, a lost cable or controller).
        case dataDiskGone(source: String, mountPoint: String)
        /// The data file system is mounted, but read-only now: ext4's `errors=remount-ro` after an
        /// I/O or consistency error, or a remount by hand.
        case dataReadOnly(source: String, mountPoint: String)

        public var code: String {
            switch self {
            case .notClaimed: "not-claimed"
            case .fellBack: "fell-back"
            case .noPersistenceDevice: "no-persistence-device"
            case .decidedVolatile: "decided-volatile"
            case .degraded: "degraded"
            case .mounted: "mounted"
            case .dataDiskGone: "data-disk-gone"
            case .dataReadOnly: "data-read-only"
            }
        }

        public var description: String {
            let lost = "; changes are lost at reboot. To enable persistence, run `sudo lwctl enable /dev/sdX`"
            return switch self {
            case .notClaimed(let mountPoint):
                "nothing is mounted at \(mountPoint): `lwctl claim` has not run this boot"
            case .fellBack(let why):
                "volatile: " + why + lost + " (whole disk, erased at the next boot) and reboot"
            case .noPersistenceDevice:
                "volatile: no persistence device" + lost + " (whole disk, erased at the next boot) and reboot"
            case .decidedVolatile(let decision):
                decision + lost + " and reboot"
            case .degraded(let decision, let refused):
                decision + "; changes are lost at reboot"
                    + (refused ? "; password logins over SSH are off this boot (log in on the console)" : "")
            case .mounted(let source, let mountPoint):
                "persistent: \(source) is mounted at \(mountPoint)"
            // What the kernel does: writes to a vanished disk fail (EIO) or sit in memory until
            // they are dropped, and ext4 then refuses writes (errors=remount-ro); only a reboot
            // mounts the disk again, as the overlays hold the dead mount.
            case .dataDiskGone(let source, let mountPoint):
                "degraded: the data disk \(source) (mounted at \(mountPoint)) has disappeared since the boot: "
                    + "what is written to /etc, /home, /var/www and Docker's data from now on cannot reach it and is lost "
                    + "(at best held in memory until reboot), and files not already in memory cannot be read. "
                    + "Reattach the disk and reboot: the boot checks it (e2fsck -p) and mounts it again"
            case .dataReadOnly(let source, let mountPoint):
                "degraded: the data file system on \(source) (mounted at \(mountPoint)) is read-only now: "
                    + "ext4 does that after an I/O or consistency error (errors=remount-ro), or it was remounted by hand. "
                    + "Writes to /etc, /home, /var/www and Docker's data fail until reboot; what is on the disk is kept. "
                    + "See why with `sudo dmesg | grep -i ext4`, check the disk and its cable, and reboot: the boot's "
                    + "e2fsck -p repairs what it can, and if it cannot, the boot is degraded and says what to do"
            }
        }
    }

    public struct Overlay: Sendable, Equatable, Codable {
        public var path: String
        public var active: Bool

        public init(path: String, active: Bool) {
            self.path = path
            self.active = active
        }
    }

    public struct Usage: Sendable, Equatable {
        public var size: UInt64
        /// Bytes available to users other than root (statvfs's f_bavail): ext4 keeps a reserve
        /// (5% unless made otherwise) that only root may fill.
        public var free: UInt64
        public var used: UInt64 { size - min(free, size) }

        public init(size: UInt64, free: UInt64) {
            self.size = size
            self.free = free
        }

        /// Below this much free the file system counts as full: 1% of its size or 64 MiB,
        /// whichever is smaller. 1% alone would call a 2 TB disk full with 20 GB left; 64 MiB
        /// alone would call a 700 MB disk full at a tenth free. Under both, an image pull or a
        /// log is about to fail with "no space left on device".
        public static func fullThreshold(size: UInt64) -> UInt64 { min(size / 100, 64 << 20) }

        public var isFull: Bool { free < Self.fullThreshold(size: size) }
    }

    /// What the data mount looks like now, measured by `LiveSystem`; the defaults are a healthy one.
    public struct MountHealth: Sendable, Equatable {
        /// The file system or the mount takes no writes (`readOnly(statvfsReadOnly:superOptions:ext4:)`).
        public var readOnly: Bool
        /// The block device it was mounted from has left the system: its /sys/dev/block entry,
        /// or the mount's source node in /dev, is gone.
        public var deviceGone: Bool

        public init(readOnly: Bool = false, deviceGone: Bool = false) {
            self.readOnly = readOnly
            self.deviceGone = deviceGone
        }

        /// What ext4 says of itself: /sys/fs/ext4/DEV/errors_count and /proc/fs/ext4/DEV/options.
        public struct Ext4Facts: Sendable, Equatable {
            public var errorCount: Int
            public var options: String

            public init(errorCount: Int, options: String) {
                self.errorCount = errorCount
                self.options = options
            }
        }

        /// Whether the data file system takes no more writes. `statvfsReadOnly` (ST_RDONLY) and
        /// `ro` in mountinfo's super options: a read-only mount or superblock, as a remount by
        /// hand, or ext4's errors=remount-ro before Linux 6.12, leave it. Since 6.12 that leaves
        /// the superblock rw and only refuses writes; 6.15 shows `emergency_ro`, but 6.12 (the
        /// image's kernel) shows nothing, so an error ext4 recorded under errors=remount-ro counts
        /// too. It is this boot's: the boot's e2fsck -p clears the count before mounting.
        public static func readOnly(statvfsReadOnly: Bool, superOptions: String, ext4: Ext4Facts?) -> Bool {
            // Mount options are comma-separated; /proc/fs/ext4/DEV/options has one a line.
            let words = { (s: String) in s.split { $0 == "," || $0 == "\n" }.map(String.init) }
            if statvfsReadOnly || words(superOptions).contains(where: { $0 == "ro" || $0 == "emergency_ro" }) { return true }
            guard let ext4 else { return false }
            return ext4.errorCount > 0 && words(ext4.options).contains("errors=remount-ro")
        }
    }

    /// Something to act on that does not change the mode.
    public enum Warning: Sendable, Equatable, CustomStringConvertible {
        /// What is mounted at the data mount point is full (`Usage.isFull`); `inMemory`: it is
        /// the tmpfs of a volatile or degraded boot, not a disk.
        case full(free: UInt64, size: UInt64, inMemory: Bool)

        public var code: String {
            switch self {
            case .full: "data-full"
            }
        }

        public var description: String {
            switch self {
            case .full(let free, let size, inMemory: false):
                "the data file system is full: \(Bytes(free)) of \(Bytes(size)) left for users other than root, whose writes "
                    + "(in /home, /var/www) fail when none is left; root's (Docker's, most containers') fail once ext4's reserve for "
                    + "root is used up too, and Docker cannot start then. Free space (`docker system prune`, `docker volume prune`, files under /home; "
                    + "as root in the data file system if Docker is down, then `sudo /etc/init.d/S60docker restart`) or move to a bigger disk"
            case .full(let free, let size, inMemory: true):
                "the tmpfs holding this boot's changes (in RAM) is full: \(Bytes(free)) of \(Bytes(size)) left, and writes to /etc, "
                    + "/home, /var/www and Docker's data fail once it is gone. Free space (`docker system prune`, files under /home) or reboot, which empties it"
            }
        }
    }

    public var mode: Mode
    public var reason: Reason
    public var dataDevice: String?
    /// The type of what is mounted at the data mount point (`ext4`, `tmpfs`).
    public var filesystem: String?
    public var mountPoint: String
    public var usage: Usage?
    public var overlays: [Overlay]
    public var dockerDataRoot: String?
    public var lastClaim: ClaimReport?
    public var warnings: [Warning]

    /// `usage` and `health`: of the data mount point, when something is mounted there.
    public static func derive(
        policy: Policy, mounts: [MountEntry], report: ClaimReport?, usage: Usage?, health: MountHealth = MountHealth(),
        dockerDataRoot: String?
    ) -> SystemStatus {
        let data = mounts.last { $0.mountPoint == policy.dataMountPoint }
        let overlayTargets = Set(mounts.filter { $0.type == "overlay" }.map(\.mountPoint))
        let mode: Mode
        let reason: Reason
        switch data {
        case nil:
            mode = .unset
            reason = .notClaimed(mountPoint: policy.dataMountPoint)
        case let data? where data.type == "tmpfs" && report?.mode == .degraded:
            mode = .degraded
            let refused = report?.steps.contains { $0.action == .refusePasswordLogins && $0.result == "done" } ?? false
            reason = .degraded(report?.decision ?? "degraded", passwordLoginsRefused: refused)
        case let data? where data.type == "tmpfs":
            mode = .volatile
            if let report {
                reason = report.fallback.map(Reason.fellBack) ?? .decidedVolatile(report.decision)
            } else {
                reason = .noPersistenceDevice
            }
        case let data?:
            // A gone disk usually turns read-only too: the cause is what to name.
            if health.deviceGone {
                mode = .degraded
                reason = .dataDiskGone(source: data.source, mountPoint: policy.dataMountPoint)
            } else if health.readOnly {
                mode = .degraded
                reason = .dataReadOnly(source: data.source, mountPoint: policy.dataMountPoint)
            } else {
                mode = .persistent
                reason = .mounted(source: data.source, mountPoint: policy.dataMountPoint)
            }
        }
        let onDisk = data.map { $0.type != "tmpfs" } ?? false
        let usage = data == nil ? nil : usage
        return SystemStatus(
            mode: mode, reason: reason, dataDevice: onDisk ? data?.source : nil, filesystem: data?.type,
            mountPoint: policy.dataMountPoint, usage: usage,
            overlays: policy.overlays.map { Overlay(path: $0.target, active: overlayTargets.contains($0.target)) },
            dockerDataRoot: dockerDataRoot, lastClaim: report,
            warnings: usage.map { warnings(usage: $0, inMemory: !onDisk) } ?? [])
    }

    static func warnings(usage: Usage, inMemory: Bool) -> [Warning] {
        usage.isFull ? [.full(free: usage.free, size: usage.size, inMemory: inMemory)] : []
    }
}
