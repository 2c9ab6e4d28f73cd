/// What `lwctl claim` will do, decided purely from an `Inventory` and a `Policy`.
public struct ClaimPlan: Sendable, Equatable {
    public var mode: Mode
    /// One sentence that says what was decided and why.
    public var decision: String
    /// The data device (partition node or disk path) chosen, if any.
    public var dataDevice: String?
    public var steps: [Step]
    public var skipped: [Skip]

    public init(mode: Mode, decision: String, dataDevice: String? = nil, steps: [Step], skipped: [Skip]) {
        self.mode = mode
        self.decision = decision
        self.dataDevice = dataDevice
        self.steps = steps
        self.skipped = skipped
    }
}

/// `degraded`: a data file system is there but cannot be used as is (damaged, or more than one):
/// the boot runs on a tmpfs like a volatile one, but no more open than its owner left it (its
/// `/etc` and `/home` read-only beneath the tmpfs, or password logins refused).
public enum Mode: String, Sendable, Codable { case persistent, volatile, degraded }

/// A byte range of a disk.
public struct Region: Sendable, Codable, Equatable {
    public var offset: UInt64
    public var size: UInt64

    public init(offset: UInt64, size: UInt64) {
        self.offset = offset
        self.size = size
    }
}

/// Where a partition sits, so the executor can find or create its kernel node.
public struct PartitionRef: Sendable, Codable, Equatable {
    public var disk: String
    public var number: Int
    public var region: Region

    public init(disk: String, number: Int, region: Region) {
        self.disk = disk
        self.number = number
        self.region = region
    }
}

/// The one partition a whole-disk claim creates.
public struct GPTLayout: Sendable, Codable, Equatable {
    public static let linuxFilesystemType = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"

    public var sectorSize: UInt32
    public var firstSector: UInt64
    public var sectors: UInt64
    public var name: String
    public var typeGUID: String
    public var partitionUUID: String
    public var diskUUID: String

    public var region: Region {
        Region(offset: firstSector * UInt64(sectorSize), size: sectors * UInt64(sectorSize))
    }
}

public struct OverlaySpec: Sendable, Codable, Equatable {
    /// The directory covered (and the lowest layer: it is read before the mount hides it).
    public var target: String
    public var upper: String
    public var work: String
    /// Read-only layers between `upper` and `target`, topmost first: a degraded boot's view of
    /// the owner's upper layer on a data file system mounted read-only.
    public var lowers: [String]

    public init(target: String, upper: String, work: String, lowers: [String] = []) {
        self.target = target
        self.upper = upper
        self.work = work
        self.lowers = lowers
    }

    public var options: String {
        "lowerdir=\((lowers + [target]).joined(separator: ":")),upperdir=\(upper),workdir=\(work)"
    }
}

/// One effect, in the order the plan applies them. Every write names its device or path.
public enum Step: Sendable, Equatable {
    /// Store the UUID of the file system about to be made beside the magic (I3).
    case recordClaim(disk: String, filesystemUUID: String)
    /// Erase every old partition table, file system, RAID and LVM signature (as `wipefs -a` would)
    /// on the whole disk and inside the old partitions, leaving bytes 0 ..< 440 alone.
    case wipeSignatures(disk: String, regions: [Region])
    /// A new GPT holding the one data partition; checks afterwards that the magic is still there.
    case writePartitionTable(disk: String, layout: GPTLayout)
    /// Mark a `lightwhale-please-format-me` partition as being claimed: its PARTUUID becomes
    /// the UUID of the file system about to be made (the partition's claim record).
    case markPartition(partition: PartitionRef, uuid: String)
    /// Make sure the kernel has a node for the partition (re-read or BLKPG add), and wait for it.
    case ensurePartitionNode(partition: PartitionRef)
    case makeFilesystem(partition: PartitionRef, label: String, uuid: String)
    /// Re-open the new file system with libext2fs and check UUID, label and size before trusting it.
    case verifyFilesystem(partition: PartitionRef, label: String, uuid: String)
    /// The last write of a whole-disk claim: zero the magic and the record in one sector write.
    case completeClaim(disk: String)
    /// The last write of a partition claim: rename it `lightwhale-data` and give it a fresh PARTUUID.
    case completePartitionClaim(partition: PartitionRef, name: String, uuid: String)
    case checkFilesystem(partition: PartitionRef?, device: String)
    case mountFilesystem(partition: PartitionRef?, device: String, target: String, type: String)
    /// A damaged data file system, mounted so that nothing is written to it: read-only, and its
    /// journal not replayed.
    case mountReadOnly(partition: PartitionRef?, device: String, target: String)
    case mountTmpfs(target: String)
    case makeDirectories([String])
    case mountOverlay(OverlaySpec)
    /// Write an sshd drop-in (`path`, in the volatile `/etc`) that turns password logins off: a
    /// degraded boot that could not read its owner's settings must not fall back to the image's
    /// well-known password.
    case refusePasswordLogins(path: String)

    /// What a step does, without its arguments: the stable word logs, JSON and `--fault-after` use.
    public enum Action: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        case recordClaim = "record-claim"
        case wipeSignatures = "wipe-signatures"
        case writePartitionTable = "write-partition-table"
        case markPartition = "mark-partition"
        case ensurePartitionNode = "ensure-partition-node"
        case makeFilesystem = "make-filesystem"
        case verifyFilesystem = "verify-filesystem"
        case completeClaim = "complete-claim"
        case completePartitionClaim = "complete-partition-claim"
        case checkFilesystem = "check-filesystem"
        case mount = "mount"
        case mountReadOnly = "mount-read-only"
        case mountTmpfs = "mount-tmpfs"
        case makeDirectories = "make-directories"
        case mountOverlay = "mount-overlay"
        case refusePasswordLogins = "refuse-password-logins"

        public var description: String { rawValue }
    }

    public var action: Action {
        switch self {
        case .recordClaim: .recordClaim
        case .wipeSignatures: .wipeSignatures
        case .writePartitionTable: .writePartitionTable
        case .markPartition: .markPartition
        case .ensurePartitionNode: .ensurePartitionNode
        case .makeFilesystem: .makeFilesystem
        case .verifyFilesystem: .verifyFilesystem
        case .completeClaim: .completeClaim
        case .completePartitionClaim: .completePartitionClaim
        case .checkFilesystem: .checkFilesystem
        case .mountFilesystem: .mount
        case .mountReadOnly: .mountReadOnly
        case .mountTmpfs: .mountTmpfs
        case .makeDirectories: .makeDirectories
        case .mountOverlay: .mountOverlay
        case .refusePasswordLogins: .refusePasswordLogins
        }
    }

    /// The device this step writes or reads, if it touches one.
    public var device: String? {
        switch self {
        case .recordClaim(let d, _), .wipeSignatures(let d, _), .writePartitionTable(let d, _), .completeClaim(let d):
            d
        case .markPartition(let p, _), .ensurePartitionNode(let p), .makeFilesystem(let p, _, _),
            .verifyFilesystem(let p, _, _), .completePartitionClaim(let p, _, _):
            p.displayName
        case .checkFilesystem(_, let d), .mountFilesystem(_, let d, _, _), .mountReadOnly(_, let d, _):
            d
        case .mountTmpfs, .makeDirectories, .mountOverlay, .refusePasswordLogins:
            nil
        }
    }

    /// The path this step writes, for steps that do not write a device.
    public var path: String? {
        switch self {
        case .mountFilesystem(_, _, let t, _), .mountReadOnly(_, _, let t), .mountTmpfs(let t), .refusePasswordLogins(let t): t
        case .makeDirectories(let dirs): dirs.joined(separator: " ")
        case .mountOverlay(let o): o.target
        default: nil
        }
    }

    /// Whether the step writes to a disk (as opposed to mounting or reading).
    public var writesDisk: Bool {
        switch self {
        case .recordClaim, .wipeSignatures, .writePartitionTable, .markPartition, .makeFilesystem,
            .completeClaim, .completePartitionClaim:
            true
        case .checkFilesystem:
            true  // e2fsck -p may repair
        default:
            false
        }
    }

    /// One human line.
    public var summary: String {
        switch self {
        case .recordClaim(let d, let u):
            "record the claim (file system \(u)) beside the magic header of \(d)"
        case .wipeSignatures(let d, let regions):
            "erase old signatures on \(d)"
                + (regions.count > 1 ? " and inside its \(regions.count - 1) old partition(s)" : "")
        case .writePartitionTable(let d, let l):
            "write a GPT on \(d): partition 1 '\(l.name)', \(Bytes(l.region.size)) from \(Bytes(l.region.offset))"
        case .markPartition(let p, let u):
            "set the PARTUUID of \(p.displayName) to \(u) (claim record)"
        case .ensurePartitionNode(let p):
            "make sure the kernel has a node for \(p.displayName)"
        case .makeFilesystem(let p, let label, let u):
            "format \(p.displayName) as ext4 labelled \(label), UUID \(u)"
        case .verifyFilesystem(let p, _, let u):
            "verify the new file system \(u) on \(p.displayName)"
        case .completeClaim(let d):
            "remove the magic header and claim record from \(d): the claim is complete"
        case .completePartitionClaim(let p, let name, _):
            "rename \(p.displayName) to '\(name)': the claim is complete"
        case .checkFilesystem(_, let d):
            "check \(d) (e2fsck -p)"
        case .mountFilesystem(_, let d, let t, let type):
            "mount \(d) (\(type), nodev, nosuid) at \(t)"
        case .mountReadOnly(_, let d, let t):
            "mount \(d) read-only at \(t), its journal not replayed (nothing is written to it)"
        case .mountTmpfs(let t):
            "mount a tmpfs at \(t) (volatile: changes are lost at reboot)"
        case .makeDirectories(let dirs):
            "create \(dirs.joined(separator: ", "))"
        case .mountOverlay(let o):
            "overlay \(o.target) (upper \(o.upper)"
                + (o.lowers.isEmpty ? ")" : ", read-only beneath it \(o.lowers.joined(separator: ", ")))")
        case .refusePasswordLogins(let path):
            "turn password logins over SSH off for this boot (\(path))"
        }
    }
}

extension PartitionRef {
    /// The conventional node name (`/dev/sdb1`, `/dev/nvme0n1p1`, `/dev/loop3p1`), or
    /// `disk.img#1` for an image file, which has no nodes.
    public var displayName: String { PartitionRef.nodePath(disk: disk, number: number) ?? "\(disk)#\(number)" }

    public static func nodePath(disk: String, number: Int) -> String? {
        guard disk.hasPrefix("/dev/") else { return nil }
        return (disk.last?.isNumber == true) ? "\(disk)p\(number)" : "\(disk)\(number)"
    }
}

/// Sizes for people: binary units, one decimal.
public struct Bytes: CustomStringConvertible, Sendable {
    public var value: UInt64
    public init(_ value: UInt64) { self.value = value }

    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = Double(value)
        var i = 0
        while v >= 1024 && i < units.count - 1 {
            v /= 1024
            i += 1
        }
        if i == 0 { return "\(value) B" }
        let tenths = Int((v * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10) \(units[i])" : "\(tenths / 10).\(tenths % 10) \(units[i])"
    }
}
