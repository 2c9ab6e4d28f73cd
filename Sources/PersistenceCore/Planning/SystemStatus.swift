/// What `lwctl status` says, derived purely from the mount table, the last claim's report and
/// the data file system's usage. The command only renders it.
public struct SystemStatus: Sendable, Equatable {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        case persistent
        case volatile
        /// A data file system is there but not used as is (damaged, or more than one): a tmpfs,
        /// with the owner's settings read-only beneath it or password logins refused.
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

        public var code: String {
            switch self {
            case .notClaimed: "not-claimed"
            case .fellBack: "fell-back"
            case .noPersistenceDevice: "no-persistence-device"
            case .decidedVolatile: "decided-volatile"
            case .degraded: "degraded"
            case .mounted: "mounted"
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
        public var free: UInt64
        public var used: UInt64 { size - min(free, size) }

        public init(size: UInt64, free: UInt64) {
            self.size = size
            self.free = free
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

    /// `usage`: of the data mount point, when something is mounted there.
    public static func derive(
        policy: Policy, mounts: [MountEntry], report: ClaimReport?, usage: Usage?, dockerDataRoot: String?
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
            mode = .persistent
            reason = .mounted(source: data.source, mountPoint: policy.dataMountPoint)
        }
        return SystemStatus(
            mode: mode, reason: reason, dataDevice: mode == .persistent ? data?.source : nil, filesystem: data?.type,
            mountPoint: policy.dataMountPoint, usage: data == nil ? nil : usage,
            overlays: policy.overlays.map { Overlay(path: $0.target, active: overlayTargets.contains($0.target)) },
            dockerDataRoot: dockerDataRoot, lastClaim: report)
    }
}
