/// What the probe saw on one whole disk (or one disk image file), as plain values.
///
/// Nothing here decides anything: the planner reads these facts and applies README.md's rules
/// I1–I7 to them. Sizes are bytes; offsets are bytes from the start of the disk.
public struct Disk: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case blockDevice = "block", imageFile = "file" }

    public var path: String
    public var kind: Kind
    public var size: UInt64
    public var logicalSectorSize: UInt32
    public var readOnly: Bool
    public var removable: Bool
    public var model: String?
    /// `major:minor` for block devices, used to match mount table entries.
    public var deviceNumber: String?
    /// The start of the disk, interpreted: the magic header and any claim record next to it.
    public var header: BootArea
    public var partitionTable: PartitionTable?
    /// A file system (or other signature) on the whole disk itself, not in a partition.
    public var filesystem: Filesystem?
    public var partitions: [Partition]
    /// Mount points of the disk itself (partitions carry their own).
    public var mountPoints: [String]
    public var isSwap: Bool
    /// Kernel holders (RAID, LVM, dm-crypt …) of the disk itself.
    public var holders: [String]

    public init(
        path: String, kind: Kind = .blockDevice, size: UInt64, logicalSectorSize: UInt32 = 512,
        readOnly: Bool = false, removable: Bool = false, model: String? = nil, deviceNumber: String? = nil,
        header: BootArea = BootArea(), partitionTable: PartitionTable? = nil, filesystem: Filesystem? = nil,
        partitions: [Partition] = [], mountPoints: [String] = [], isSwap: Bool = false, holders: [String] = []
    ) {
        self.path = path
        self.kind = kind
        self.size = size
        self.logicalSectorSize = logicalSectorSize
        self.readOnly = readOnly
        self.removable = removable
        self.model = model
        self.deviceNumber = deviceNumber
        self.header = header
        self.partitionTable = partitionTable
        self.filesystem = filesystem
        self.partitions = partitions
        self.mountPoints = mountPoints
        self.isSwap = isSwap
        self.holders = holders
    }

    public func partition(_ number: Int) -> Partition? { partitions.first { $0.number == number } }
}

public struct PartitionTable: Sendable, Codable, Equatable {
    /// libblkid's name: `gpt`, `dos`, …
    public var type: String
    /// Disk identifier (GPT disk GUID or MBR signature).
    public var id: String?
    /// The GPT header I4 judges, as declared: the primary, or a backup header that declares an
    /// entry array no real table has (libfdisk reads both).
    public var gptHeader: GPTHeader?

    public init(type: String, id: String? = nil, gptHeader: GPTHeader? = nil) {
        self.type = type
        self.id = id
        self.gptHeader = gptHeader
    }
}

public struct Partition: Sendable, Codable, Equatable {
    public var number: Int
    /// The kernel's node for it, when the kernel knows the partition; `nil` for image files
    /// and for tables the running kernel has not been told about.
    public var path: String?
    public var start: UInt64
    public var size: UInt64
    /// GPT partition name (PARTLABEL).
    public var name: String?
    public var typeGUID: String?
    /// GPT partition GUID (PARTUUID).
    public var uuid: String?
    public var filesystem: Filesystem?
    /// Whether the partition itself starts with the magic header (a near miss: not a licence).
    public var header: BootArea
    public var mountPoints: [String]
    public var isSwap: Bool
    public var holders: [String]

    public init(
        number: Int, path: String? = nil, start: UInt64, size: UInt64, name: String? = nil,
        typeGUID: String? = nil, uuid: String? = nil, filesystem: Filesystem? = nil,
        header: BootArea = BootArea(), mountPoints: [String] = [], isSwap: Bool = false, holders: [String] = []
    ) {
        self.number = number
        self.path = path
        self.start = start
        self.size = size
        self.name = name
        self.typeGUID = typeGUID
        self.uuid = uuid
        self.filesystem = filesystem
        self.header = header
        self.mountPoints = mountPoints
        self.isSwap = isSwap
        self.holders = holders
    }
}

/// A signature libblkid recognised, with what libext2fs adds for ext file systems.
public struct Filesystem: Sendable, Codable, Equatable {
    public var type: String
    public var label: String?
    public var uuid: String?
    /// For ext2/3/4: whether the superblock says the file system is whole and clean of errors.
    public var ext: ExtState?

    public init(type: String, label: String? = nil, uuid: String? = nil, ext: ExtState? = nil) {
        self.type = type
        self.label = label
        self.uuid = uuid
        self.ext = ext
    }
}

public struct ExtState: Sendable, Codable, Equatable {
    public var valid: Bool
    public var hasErrors: Bool
    public var blockSize: UInt32
    public var blocks: UInt64
    public var freeBlocks: UInt64

    public init(valid: Bool, hasErrors: Bool, blockSize: UInt32, blocks: UInt64, freeBlocks: UInt64) {
        self.valid = valid
        self.hasErrors = hasErrors
        self.blockSize = blockSize
        self.blocks = blocks
        self.freeBlocks = freeBlocks
    }
}

/// The probe's whole view of the machine at one instant.
public struct Inventory: Sendable, Codable, Equatable {
    public var disks: [Disk]
    public var mounts: [MountEntry]
    /// Devices the probe could not read, with why; never written, always reported.
    public var unreadable: [Skip]

    public init(disks: [Disk], mounts: [MountEntry] = [], unreadable: [Skip] = []) {
        self.disks = disks
        self.mounts = mounts
        self.unreadable = unreadable
    }

    /// cloud-init's NoCloud seeds: ISO 9660 or FAT file systems labelled `cidata` (any case),
    /// on a whole disk (a CD) or in a partition, by device path.
    public var seeds: [String] {
        func seed(_ fs: Filesystem?) -> Bool {
            guard let fs, ["iso9660", "vfat"].contains(fs.type) else { return false }
            return fs.label?.lowercased() == "cidata"
        }
        return disks.flatMap { disk in
            (seed(disk.filesystem) ? [disk.path] : []) + disk.partitions.filter { seed($0.filesystem) }.compactMap(\.path)
        }
    }
}
