/// Why a device must never be written, whatever it carries (invariant I4). Rules compare cases;
/// the words a person reads are in `description`, and `code` is the stable name for scripts.
public enum Refusal: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The disk is a Lightwhale boot medium (an iso9660/vfat/udf label starting `LIGHTWHALE`).
    case bootMedium(label: String)
    /// The partition's disk is a Lightwhale boot medium.
    case onBootMedium(label: String)
    case holdsRoot
    case mounted(points: [String])
    case swap
    /// Kernel holders: RAID, LVM, dm-crypt …
    case held(by: [String])
    case readOnly
    /// The partition's disk is read-only.
    case onReadOnlyDisk
    case tooSmall(size: UInt64, minimum: UInt64)
    /// Only a GPT partition can be renamed and given a claim record.
    case notGPT
    /// The partition's disk is mounted, swapped or held as a whole.
    case diskInUse
    /// The GPT declares an entry array no real one has.
    case craftedTable(GPTHeader)
    /// The partition shares sectors with partition `partition` of the same disk.
    case overlaps(partition: Int)
    /// The partition ends past the end of its disk.
    case pastEnd
    /// A partition number the kernel cannot register (it takes 1 to 255).
    case numberTooHigh(Int)

    /// Size and table type only matter to a claim, which formats; an existing data file system
    /// is used whatever its size or table, so these do not stop it from being mounted.
    public var onlyForbidsFormatting: Bool {
        switch self {
        case .tooSmall, .notGPT: true
        default: false
        }
    }

    public var code: String {
        switch self {
        case .bootMedium: "boot-medium"
        case .onBootMedium: "on-boot-medium"
        case .holdsRoot: "holds-root"
        case .mounted: "mounted"
        case .swap: "swap"
        case .held: "held"
        case .readOnly: "read-only"
        case .onReadOnlyDisk: "on-read-only-disk"
        case .tooSmall: "too-small"
        case .notGPT: "not-gpt"
        case .diskInUse: "disk-in-use"
        case .craftedTable: "crafted-table"
        case .overlaps: "overlaps-partition"
        case .pastEnd: "past-end"
        case .numberTooHigh: "partition-number-too-high"
        }
    }

    public var description: String {
        switch self {
        case .bootMedium(let label): "it is a Lightwhale boot medium (label \(label))"
        case .onBootMedium(let label): "its disk is a Lightwhale boot medium (label \(label))"
        case .holdsRoot: "it holds the running root file system"
        case .mounted(let points): "it is mounted (\(points.joined(separator: ", ")))"
        case .swap: "it is in use as swap"
        case .held(let holders): "it is held by \(holders.joined(separator: ", ")) (RAID, LVM or dm)"
        case .readOnly: "it is read-only"
        case .onReadOnlyDisk: "its disk is read-only"
        case .tooSmall(let size, let minimum): "it is too small (\(Bytes(size)); at least \(Bytes(minimum)) is needed)"
        case .notGPT: "its partition table is not a GPT"
        case .diskInUse: "its disk is in use as a whole"
        case .craftedTable(let h):
            "its GPT declares \(h.entries) entries of \(h.entrySize) bytes (a real one has 128 of 128): a crafted table is never rewritten"
        case .overlaps(let n): "it overlaps partition \(n) of the same disk"
        case .pastEnd: "it ends past the end of its disk"
        case .numberTooHigh(let n): "its number \(n) is more than the kernel registers (255)"
        }
    }
}

extension [Refusal] {
    /// "…; …": every reason, in the order the rules found them.
    public var sentence: String { map(\.description).joined(separator: "; ") }
}
