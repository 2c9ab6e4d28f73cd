/// Everything the planner needs besides the inventory. Randomness comes in here as values,
/// so the planner itself stays a deterministic function (tests pass fixed UUIDs).
public struct Policy: Sendable, Equatable {
    public static let dataLabel = "lightwhale-data"
    public static let dataPartitionName = "lightwhale-data"
    /// Directories overlaid from the data file system, relative to the root.
    public static let overlaidDirectories = ["etc", "home", "var/www"]
    /// Below this a data file system is not worth having (Docker alone wants more).
    public static let defaultMinimumSize: UInt64 = 64 << 20
    /// The ISO's volume id starts with this; such a medium is what Lightwhale boots from.
    public static let bootLabelPrefix = "LIGHTWHALE"

    public var root: String
    public var minimumSize: UInt64
    /// UUIDs for what a claim creates.
    public var filesystemUUID: String
    public var partitionUUID: String
    public var diskUUID: String
    /// `false` claims and formats but neither mounts nor overlays (for preparing disk images).
    public var mount: Bool

    public init(
        root: String = "/", minimumSize: UInt64 = Policy.defaultMinimumSize, filesystemUUID: String,
        partitionUUID: String, diskUUID: String, mount: Bool = true
    ) {
        self.root = root
        self.minimumSize = minimumSize
        self.filesystemUUID = filesystemUUID
        self.partitionUUID = partitionUUID
        self.diskUUID = diskUUID
        self.mount = mount
    }

    /// A policy with fresh UUIDs from `generator`.
    public static func random<G: RandomNumberGenerator>(root: String = "/", mount: Bool = true, using generator: inout G) -> Policy {
        Policy(
            root: root, filesystemUUID: UUIDText.random(using: &generator).text,
            partitionUUID: UUIDText.random(using: &generator).text, diskUUID: UUIDText.random(using: &generator).text,
            mount: mount)
    }

    public var dataMountPoint: String { Paths.join(root, "mnt/lightwhale-data") }
    public var dockerDataRoot: String { Paths.join(dataMountPoint, "docker") }
    public var reportPath: String { Paths.join(root, "run/lightwhale/claim.json") }
    /// The mode in one word (`lwctl status --brief`), for the login banner.
    public var modePath: String { Paths.join(root, "run/lightwhale/mode") }
    /// Where a degraded boot mounts a damaged data file system read-only (the tmpfs takes
    /// `dataMountPoint`, which Docker writes).
    public var readOnlyDataMountPoint: String { Paths.join(root, "run/lightwhale/read-only-data") }
    /// First in sshd's include order, so its settings win over the image's and the owner's.
    public var passwordLockPath: String { Paths.join(root, "etc/ssh/sshd_config.d/00-lightwhale-degraded.conf") }

    /// The sshd settings a degraded boot that could not read its owner's writes (sshd takes the
    /// first value it reads, and this file is read first).
    public static let passwordLockText = """
        # Written by `lwctl claim` for this boot only (it is on the tmpfs): the boot is degraded and
        # the owner's settings could not be read, so the image's well-known password must not let
        # anyone in over the network. See `lwctl status`.
        PasswordAuthentication no
        KbdInteractiveAuthentication no

        """

    public var overlays: [OverlaySpec] { overlays(readOnlyBeneath: false) }

    /// `readOnlyBeneath`: each directory's upper layer on the read-only data file system lies
    /// between the (tmpfs) upper layer and the image's directory.
    public func overlays(readOnlyBeneath: Bool) -> [OverlaySpec] {
        Policy.overlaidDirectories.map { dir in
            let base = Paths.join(dataMountPoint, "overlay/" + dir)
            let lowers = readOnlyBeneath ? [Paths.join(readOnlyDataMountPoint, "overlay/" + dir + "/upper")] : []
            return OverlaySpec(target: Paths.join(root, dir), upper: base + "/upper", work: base + "/work", lowers: lowers)
        }
    }
}

public enum Paths {
    /// Joins a root and a relative path without doubling slashes: ("/", "etc") → "/etc".
    public static func join(_ root: String, _ relative: String) -> String {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        let rel = relative.drop { $0 == "/" }
        if rel.isEmpty { return r }
        return r == "/" ? "/" + rel : r + "/" + rel
    }
}
