#if canImport(Glibc)
import Glibc
#endif

/// Builds the `Inventory` from /sys/class/block, /proc and libblkid.
///
/// Per device it reads LBA 0, what libblkid needs for the partition table and signatures, and the
/// first sector and superblock of each partition: a few KiB, never a scan of the medium.
public struct Prober: Sendable {
    public var sysBlock = "/sys/class/block"
    public var mountinfo = "/proc/self/mountinfo"
    public var swaps = "/proc/swaps"

    public init() {}

    public enum ProbeError: Error, CustomStringConvertible, Equatable {
        case notFound(String)
        case isPartition(String, disk: String)
        case unsupported(String)

        public var description: String {
            switch self {
            case .notFound(let p): "\(p): no such device or image file"
            case .isPartition(let p, let disk): "\(p) is a partition; name the whole disk (\(disk))"
            case .unsupported(let p): "\(p) is neither a block device nor a regular file"
            }
        }
    }

    /// Every whole block device the kernel lists, or exactly `devices` (block devices or image files).
    public func inventory(devices: [String]? = nil) throws -> Inventory {
        let mounts = MountTable.parse(mountinfo: TextFile.read(mountinfo) ?? "")
        let swapList = SwapTable.parse(TextFile.read(swaps) ?? "")
        let context = Context(mounts: mounts, swaps: swapList)
        var disks: [Disk] = []
        var unreadable: [Skip] = []
        if let devices {
            for path in devices { disks.append(try probe(path: path, context: context)) }
        } else {
            for name in Directory.list(sysBlock) where isWholeDisk(name) {
                do {
                    disks.append(try probeBlock(name: name, context: context))
                } catch {
                    unreadable.append(Skip(device: "/dev/\(name)", reason: .unreadable(detail: "\(error)")))
                }
            }
        }
        return Inventory(disks: disks, mounts: mounts, unreadable: unreadable)
    }

    struct Context {
        var mounts: [MountEntry]
        var swaps: [String]

        func mountPoints(deviceNumber: String?, path: String?) -> [String] {
            mounts.filter { m in (deviceNumber != nil && m.deviceNumber == deviceNumber) || (path != nil && m.source == path) }
                .map(\.mountPoint)
        }
    }

    func isWholeDisk(_ name: String) -> Bool {
        !Directory.exists("\(sysBlock)/\(name)/partition")
            && (TextFile.trimmed("\(sysBlock)/\(name)/size").flatMap(UInt64.init) ?? 0) > 0
    }

    func probe(path: String, context: Context) throws -> Disk {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw ProbeError.notFound(path) }
            throw SystemError.errno("open", path)
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            return try probeFile(path: path, context: context)
        case S_IFBLK:
            let dev = "\(lwMajor(st.st_rdev)):\(lwMinor(st.st_rdev))"
            guard let sysPath = Directory.resolve("/sys/dev/block/\(dev)") else { throw ProbeError.notFound(path) }
            let name = String(sysPath.split(separator: "/").last ?? "")
            if Directory.exists("\(sysPath)/partition") {
                let parent = String(sysPath.split(separator: "/").dropLast().last ?? "")
                throw ProbeError.isPartition(path, disk: "/dev/\(parent)")
            }
            return try probeBlock(name: name, context: context)
        default:
            throw ProbeError.unsupported(path)
        }
    }

    func probeFile(path: String, context: Context) throws -> Disk {
        let file = try DeviceFile(path)
        var disk = Disk(
            path: path, kind: .imageFile, size: try file.size, logicalSectorSize: 512,
            readOnly: access(path, W_OK) != 0)
        disk.mountPoints = context.mountPoints(deviceNumber: nil, path: path)
        try readContents(of: file, into: &disk)
        return disk
    }

    func probeBlock(name: String, context: Context) throws -> Disk {
        let sys = "\(sysBlock)/\(name)"
        let path = "/dev/\(name)"
        let file = try DeviceFile(path)
        let dev = TextFile.trimmed("\(sys)/dev")
        var disk = Disk(
            path: path, kind: .blockDevice, size: try file.size, logicalSectorSize: file.sectorSize,
            readOnly: TextFile.trimmed("\(sys)/ro") == "1", removable: TextFile.trimmed("\(sys)/removable") == "1",
            model: TextFile.trimmed("\(sys)/device/model").flatMap { $0.isEmpty ? nil : $0 }, deviceNumber: dev)
        disk.mountPoints = context.mountPoints(deviceNumber: dev, path: path)
        disk.isSwap = context.swaps.contains(path)
        disk.holders = Directory.list("\(sys)/holders")
        try readContents(of: file, into: &disk)

        // Join the on-disk table with what the kernel knows (nodes, mounts, holders).
        let kernel = KernelPartitions.known(disk: path)
        for i in disk.partitions.indices {
            let p = disk.partitions[i]
            guard let k = kernel.first(where: { $0.number == p.number && $0.region == Region(offset: p.start, size: p.size) })
            else { continue }
            let node = "/dev/\(k.name)"
            disk.partitions[i].path = node
            disk.partitions[i].mountPoints = context.mountPoints(deviceNumber: TextFile.trimmed("\(sys)/\(k.name)/dev"), path: node)
            disk.partitions[i].isSwap = context.swaps.contains(node)
            disk.partitions[i].holders = Directory.list("\(sys)/\(k.name)/holders")
        }
        // A partition the kernel uses but the on-disk table no longer shows still makes the disk busy.
        for k in kernel where !disk.partitions.contains(where: { $0.path == "/dev/\(k.name)" }) {
            disk.mountPoints += context.mountPoints(deviceNumber: TextFile.trimmed("\(sys)/\(k.name)/dev"), path: "/dev/\(k.name)")
            disk.holders += Directory.list("\(sys)/\(k.name)/holders")
            if context.swaps.contains("/dev/\(k.name)") { disk.isSwap = true }
        }
        return disk
    }

    /// The part common to block devices and image files: header, table, signatures.
    func readContents(of file: DeviceFile, into disk: inout Disk) throws {
        let head = try file.read(at: 0, count: MagicHeader.probeLength)
        disk.header = BootArea(parsing: head)
        disk.filesystem = try BlkidProbe(file).filesystem()
        if let fs = disk.filesystem { disk.filesystem = withExtState(fs, file: file, offset: 0) }
        if let (found, parts) = try BlkidProbe(file).partitions() {
            var table = found
            if table.type == "gpt" { table.gptHeader = try gptHeader(of: file, disk: disk) }
            disk.partitionTable = table
            disk.partitions = parts
        }
        for i in disk.partitions.indices {
            let p = disk.partitions[i]
            // An entry that points past the end of the medium (a hybrid ISO's MBR read on a CD with
            // 2048-byte sectors does) has nothing to read; the disk is still judged by the rest.
            guard p.size > 0, p.start + p.size <= disk.size else { continue }
            disk.partitions[i].header = BootArea(magic: MagicHeader.match(try file.read(at: p.start, count: 64)))
            if let fs = try BlkidProbe(file, region: Region(offset: p.start, size: p.size)).filesystem() {
                disk.partitions[i].filesystem = withExtState(fs, file: file, offset: p.start)
            }
        }
    }

    /// What the table declares, for I4: the primary header, unless it or a backup declares an
    /// entry array no real table has. libfdisk, which rewrites the table in a partition claim,
    /// reads the backup too (where the primary says it is, or at the last LBA) and allocates the
    /// array it declares before checking it: a crafted backup makes a crafted table.
    func gptHeader(of file: DeviceFile, disk: Disk) throws -> GPTHeader? {
        let sector = UInt64(disk.logicalSectorSize)
        let sectors = disk.size / sector
        let lba1 = try file.read(at: sector, count: Int(sector))
        var backups = sectors >= 2 ? [sectors - 1] : []
        if lba1.count >= 40 { backups.append(lba1[32..<40].reversed().reduce(0) { $0 << 8 | UInt64($1) }) }
        let primary = GPTHeader(parsing: lba1)
        let others = try backups.filter { $0 > 1 && $0 < sectors }.compactMap {
            GPTHeader(parsing: try file.read(at: $0 * sector, count: Int(sector)))
        }
        return ([primary].compactMap { $0 } + others).first { !$0.isOrdinary } ?? primary ?? others.first
    }

    func withExtState(_ fs: Filesystem, file: DeviceFile, offset: UInt64) -> Filesystem {
        guard ["ext2", "ext3", "ext4"].contains(fs.type), let sb = try? Ext2fs.superblock(path: file.path, offset: offset)
        else { return fs }
        var out = fs
        out.ext = sb.state
        return out
    }
}

func lwMajor(_ dev: dev_t) -> UInt32 { UInt32((dev >> 8) & 0xfff) | UInt32((dev >> 32) & ~0xfff) }
func lwMinor(_ dev: dev_t) -> UInt32 { UInt32(dev & 0xff) | UInt32((dev >> 12) & ~0xff) }
