/// A device the plan leaves alone, and why.
public struct Skip: Sendable, Codable, Equatable {
    public var device: String
    public var reason: SkipReason

    public init(device: String, reason: SkipReason) {
        self.device = device
        self.reason = reason
    }
}

/// Why the planner did not use a device. Rules and tests compare cases; the sentence people read
/// (after the device name) is `description`, and `code` is the stable name in the JSON.
public enum SkipReason: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The probe could not read it (`detail`: the error).
    case unreadable(detail: String)
    /// A whole disk with the exact magic header that I4 protects.
    case protectedMagicDisk([Refusal])
    /// A whole disk with the magic header too small for a GPT and one aligned partition.
    case tooSmallForLayout
    /// A partition named `lightwhale-please-format-me` that I4 protects.
    case protectedNamedPartition([Refusal])
    /// A `lightwhale-data` file system that is not ext4.
    case dataNotExt4(type: String)
    /// A partition named `lightwhale-data` holding no `lightwhale-data` file system (`type`: what
    /// blkid found instead, if anything).
    case damagedData(type: String?)
    /// A `lightwhale-data` ext4 that I4 protects.
    case protectedData([Refusal])
    /// Something like the header at the start of the disk (I1: not a licence).
    case nearMiss(String)
    /// Something like the header at the start of partition `partition`.
    case nearMissInPartition(String, partition: Int)
    /// The exact header, but at the start of a partition of `disk`, not of the disk.
    case magicInPartition(disk: String)
    case bootMedium(label: String)
    case holdsRoot
    /// No header, no named partition, no data file system: nothing licenses anything.
    case noLicence
    /// One data device only (I6): the data file system on `device` is used; this waits.
    case dataAlreadyPresent(on: String)
    /// Two or more data file systems (`devices`): Lightwhale will not guess (I6).
    case severalDataFileSystems([String])
    /// One claim per boot (I6): `device` was chosen before this one.
    case anotherClaimFirst(String)
    /// The data mount point was already set up this boot; claims wait for the next.
    case alreadySetUp(mountPoint: String)

    public var code: String {
        switch self {
        case .unreadable: "unreadable"
        case .protectedMagicDisk: "protected-magic-disk"
        case .tooSmallForLayout: "too-small-for-layout"
        case .protectedNamedPartition: "protected-named-partition"
        case .dataNotExt4: "data-not-ext4"
        case .damagedData: "damaged-data"
        case .protectedData: "protected-data"
        case .nearMiss: "near-miss"
        case .nearMissInPartition: "near-miss-in-partition"
        case .magicInPartition: "magic-in-partition"
        case .bootMedium: "boot-medium"
        case .holdsRoot: "holds-root"
        case .noLicence: "no-licence"
        case .dataAlreadyPresent: "data-already-present"
        case .severalDataFileSystems: "several-data-file-systems"
        case .anotherClaimFirst: "another-claim-first"
        case .alreadySetUp: "already-set-up"
        }
    }

    /// The I4 reasons behind a protected device; empty for every other case.
    public var refusals: [Refusal] {
        switch self {
        case .protectedMagicDisk(let r), .protectedNamedPartition(let r), .protectedData(let r): r
        default: []
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let detail):
            "could not be read (\(detail)); not touched"
        case .protectedMagicDisk(let refusals):
            "carries the magic header, but is never written because " + refusals.sentence
        case .tooSmallForLayout:
            "carries the magic header, but is too small for a GPT and a data partition"
        case .protectedNamedPartition(let refusals):
            "is named \(MagicHeader.partitionName), but is never written because " + refusals.sentence
        case .dataNotExt4(let type):
            "is labelled \(Policy.dataLabel) but holds \(type), not ext4; not used"
        case .damagedData(let type):
            "is named \(Policy.dataPartitionName) but holds "
                + (type.map { "a \($0) file system without the \(Policy.dataLabel) label" } ?? "no file system blkid can read (a damaged superblock?)")
                + ": damaged data, not used and never formatted; repair it (e2fsck -b 32768 for a backup superblock), or erase it with `lwctl enable --force`"
        case .protectedData(let refusals):
            "holds a \(Policy.dataLabel) file system, but is not used because " + refusals.sentence
        case .nearMiss(let why):
            "looks like a magic header, but is not one: \(why); the exact text must start at byte 0"
        case .nearMissInPartition(let why, let n):
            "looks like a magic header, but is not one: \(why) (inside partition \(n))"
        case .magicInPartition(let disk):
            "starts with the magic header, but only a whole disk is claimed by it: write it to \(disk) itself, or name a GPT partition \(MagicHeader.partitionName)"
        case .bootMedium(let label):
            "the Lightwhale boot medium (label \(label))"
        case .holdsRoot:
            "holds the running root file system"
        case .noLicence:
            "no magic header and no partition named \(MagicHeader.partitionName) or file system labelled \(Policy.dataLabel)"
        case .dataAlreadyPresent(let device):
            "a data file system is already present on \(device); Lightwhale uses one data device, so this one is left alone (remove its magic header or detach \(device) to claim it)"
        case .severalDataFileSystems(let devices):
            "several lightwhale-data file systems (\(devices.joined(separator: ", "))): Lightwhale will not guess which one holds your data; relabel or detach all but one"
        case .anotherClaimFirst(let chosen):
            "\(chosen) was chosen first (one claim per boot: claims under way, then whole disks, then by name); this one is claimed at a later boot if it still carries its licence"
        case .alreadySetUp(let mountPoint):
            "\(mountPoint) is already mounted this boot; the claim waits for the next boot"
        }
    }
}
