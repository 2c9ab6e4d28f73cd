#if canImport(Glibc)
import Glibc
#endif

/// The executor that writes disks and mounts file systems. Every step re-checks the one fact
/// it depends on (the magic is still there, the partition has not moved) before it writes.
public final class SystemExecutor: StepExecutor {
    private var mounted: [String] = []
    public var log: (String) -> Void
    /// Seconds e2fsck may take before it is stopped (the check then fails: the boot degrades).
    public var checkLimit: Double

    public static let defaultCheckLimit: Double = 600

    public init(log: @escaping (String) -> Void = { _ in }, checkLimit: Double = SystemExecutor.defaultCheckLimit) {
        self.log = log
        self.checkLimit = checkLimit
    }

    public func run(_ step: Step) throws {
        switch step {
        case .recordClaim(let disk, let uuid):
            try recordClaim(disk: disk, uuid: uuid)
        case .wipeSignatures(let disk, let regions):
            try wipe(disk: disk, regions: regions)
        case .writePartitionTable(let disk, let layout):
            try writeTable(disk: disk, layout: layout)
        case .markPartition(let ref, let uuid):
            let table = try FdiskContext(path: ref.disk)
            try table.updatePartition(ref, name: nil, uuid: uuid)
            try table.write()
        case .ensurePartitionNode(let ref):
            if try isBlockDevice(ref.disk) {
                try KernelPartitions.sync(disk: ref.disk, wanted: [ref.number: ref.region], exclusive: false)
            }
        case .makeFilesystem(let ref, let label, let uuid):
            try makeFilesystem(ref, label: label, uuid: uuid)
        case .verifyFilesystem(let ref, let label, let uuid):
            try verify(ref, label: label, uuid: uuid)
        case .completeClaim(let disk):
            try completeClaim(disk: disk)
        case .completePartitionClaim(let ref, let name, let uuid):
            let table = try FdiskContext(path: ref.disk)
            try table.updatePartition(ref, name: name, uuid: uuid)
            try table.write()
        case .checkFilesystem(let ref, let device):
            try check(ref, device: device)
        case .mountFilesystem(let ref, let device, let target, let type):
            // Whoever made the disk made its files: no device node or setuid program on it counts.
            // (Containers and the overlays are mounts of their own, with their own flags.)
            try mount(ref, device: device, at: target, type: type, flags: UInt(MS_NODEV | MS_NOSUID))
        case .mountReadOnly(let ref, let device, let target):
            try mount(ref, device: device, at: target, type: "ext4", options: "noload", flags: UInt(MS_RDONLY | MS_NODEV | MS_NOSUID | MS_NOEXEC))
        case .refusePasswordLogins(let path):
            try Directory.create(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
            try TextFile.write(path, Array(Policy.passwordLockText.utf8))
        case .mountTmpfs(let target):
            // Half of RAM at most (Docker's images go there on a volatile boot), the kernel's
            // default, said: the other tmpfs have their own limits (fstab.tmpfs).
            try Mounting.mount(source: "tmpfs", target: target, type: "tmpfs", options: "mode=0755,size=50%")
            mounted.append(target)
        case .makeDirectories(let dirs):
            for d in dirs { try Directory.create(d) }
        case .mountOverlay(let o):
            try Mounting.mount(source: "overlay", target: o.target, type: "overlay", options: o.options)
            mounted.append(o.target)
        }
    }

    public func rollback() {
        for target in mounted.reversed() where umount2(target, 0) != 0 {
            log("warning: could not \(SystemError.errno("unmount", target)); detaching it")
            _ = umount2(target, Int32(MNT_DETACH))
        }
        mounted.removeAll()
    }

    // MARK: steps

    func recordClaim(disk: String, uuid: String) throws {
        let file = try DeviceFile(disk, writable: true)
        var sector = try file.read(at: 0, count: Int(file.sectorSize))
        guard MagicHeader.match(sector).isExact else {
            throw SystemError("record the claim on", disk, "the magic header is gone since the probe; nothing written")
        }
        sector.replaceSubrange(ClaimRecord.offset..<(ClaimRecord.offset + ClaimRecord.length), with: ClaimRecord(filesystemUUID: uuid).encoded())
        try file.write(sector, at: 0)
        try file.sync()
    }

    func wipe(disk: String, regions: [Region]) throws {
        let file = try DeviceFile(disk, writable: true)
        let keep = try file.read(at: 0, count: MagicHeader.bootCodeLength)
        var erased: [String] = []
        let size = try file.size
        // Only what lies on the disk: a crafted table's partition may run past its end, even past
        // 2^63 bytes (which libblkid's offsets cannot say), and holds nothing there to erase.
        for region in regions where region.offset < size && region.size > 0 {
            let onDisk = Region(offset: region.offset, size: min(region.size, size - region.offset))
            let whole = onDisk.offset == 0 && onDisk.size == size
            erased += try BlkidProbe(file, region: whole ? nil : onDisk).wipeAll()
        }
        try restoreBootCode(keep, file: file)
        try file.sync()
        log(erased.isEmpty ? "no old signatures on \(disk)" : "erased on \(disk): \(erased.joined(separator: ", "))")
    }

    func writeTable(disk: String, layout: GPTLayout) throws {
        let keep = try DeviceFile(disk).read(at: 0, count: MagicHeader.bootCodeLength)
        let table = try FdiskContext(path: disk)
        try table.createDataPartition(layout)
        try table.write()
        let file = try DeviceFile(disk, writable: true)
        try file.sync()
        try restoreBootCode(keep, file: file)
        if file.isBlockDevice {
            // The kernel may still list the old table's partitions: replace them with the new one.
            try KernelPartitions.sync(disk: disk, wanted: [1: layout.region], exclusive: true)
        }
    }

    /// I2: the magic and the claim record must outlive every write before the last one.
    func restoreBootCode(_ keep: [UInt8], file: DeviceFile) throws {
        if try file.read(at: 0, count: keep.count) != keep {
            log("restoring the magic header of \(file.path), which a write had changed")
            try file.write(keep, at: 0)
            try file.sync()
        }
    }

    func makeFilesystem(_ ref: PartitionRef, label: String, uuid: String) throws {
        let (target, offset) = try location(ref, device: ref.displayName)
        // -e remount-ro: an error found while running stops writes instead of spreading damage.
        var argv = ["mke2fs", "-t", "ext4", "-F", "-q", "-e", "remount-ro", "-L", label, "-U", uuid]
        if offset > 0 { argv += ["-E", "offset=\(offset)", target, "\(ref.region.size / 1024)k"] } else { argv.append(target) }
        let result = try Subprocess.run(argv)
        guard result.status == 0 else {
            throw SystemError("format", ref.displayName, "mke2fs exited \(result.status): \(result.output.trimmingSpaces())")
        }
    }

    func verify(_ ref: PartitionRef, label: String, uuid: String) throws {
        let (path, offset) = try location(ref, device: ref.displayName)
        try DeviceFile(path).sync()
        let sb = try Ext2fs.superblock(path: path, offset: offset)
        let bytes = sb.state.blocks * UInt64(sb.state.blockSize)
        guard sb.uuid == uuid.lowercased(), sb.label == label, sb.state.valid, !sb.state.hasErrors,
            bytes <= ref.region.size, bytes + UInt64(sb.state.blockSize) > ref.region.size
        else {
            throw SystemError("verify", ref.displayName, "the new file system is not what was made (UUID \(sb.uuid), label '\(sb.label)', \(bytes) bytes)")
        }
    }

    func completeClaim(disk: String) throws {
        let file = try DeviceFile(disk, writable: true)
        try file.sync()
        var sector = try file.read(at: 0, count: Int(file.sectorSize))
        // One sector write removes the magic and the record together.
        sector.replaceSubrange(0..<MagicHeader.bootCodeLength, with: [UInt8](repeating: 0, count: MagicHeader.bootCodeLength))
        try file.write(sector, at: 0)
        try file.sync()
    }

    /// e2fsck -p, its progress on the log (a pass and every tenth of it: a big disk takes
    /// minutes), stopped after `checkLimit` seconds so that a boot cannot hang on it.
    func check(_ ref: PartitionRef?, device: String) throws {
        let (path, offset) = try location(ref, device: device)
        let target = offset > 0 ? "\(path)?offset=\(offset)" : path
        var shown: (pass: Int, tenth: Int)? = nil
        let result = try Subprocess.run(["e2fsck", "-p", "-C", "3", target], limit: checkLimit) { line in
            // "PASS CURRENT MAX DEVICE"
            let words = line.split(separator: " ")
            guard words.count >= 3, let pass = Int(words[0]), let current = Double(words[1]), let max = Double(words[2]), max > 0 else { return }
            let tenth = Int(current / max * 10)
            if let s = shown, s.pass == pass, s.tenth == tenth { return }
            shown = (pass, tenth)
            self.log("checking \(device): e2fsck pass \(pass) of 5, \(tenth * 10)%")
        }
        if result.timedOut {
            throw SystemError("check", device, "e2fsck -p took longer than \(Int(checkLimit)) s and was stopped, so that the boot goes on. Run `e2fsck -f \(device)` by hand")
        }
        // What e2fsck said, a log line per line of it (the console takes lines of 1 KiB at most).
        if result.status != 0 {
            for line in result.output.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) { log("e2fsck: " + line) }
        }
        switch result.status {
        case 0, 1, 2:
            if result.status != 0 { log("e2fsck repaired \(device)") }
        default:
            throw SystemError("check", device, "e2fsck -p exited \(result.status) and did not mount it (its words are above); the data is untouched. Run `e2fsck -f \(device)` by hand")
        }
    }

    // MARK: helpers

    func mount(_ ref: PartitionRef?, device: String, at target: String, type: String, options: String = "", flags: UInt) throws {
        let (source, offset) = try location(ref, device: device)
        guard offset == 0 else {
            throw SystemError("mount", device, "an image file's partition cannot be mounted directly; attach the image with `losetup -f --show` and claim the loop device")
        }
        try Mounting.mount(source: source, target: target, type: type, options: options, flags: flags)
        mounted.append(target)
    }

    func isBlockDevice(_ path: String) throws -> Bool { try DeviceFile(path).isBlockDevice }

    /// Where to reach a partition: its kernel node on block devices, the disk and an offset for images.
    func location(_ ref: PartitionRef?, device: String) throws -> (path: String, offset: UInt64) {
        guard let ref else { return (device, 0) }
        guard try isBlockDevice(ref.disk) else { return (ref.disk, ref.region.offset) }
        let nodes = try KernelPartitions.sync(disk: ref.disk, wanted: [ref.number: ref.region], exclusive: false)
        guard let node = nodes[ref.number] else { throw SystemError("find", ref.displayName, "no kernel node") }
        return (node, 0)
    }
}
