#if canImport(Glibc)
import Glibc
#endif

/// Read-only views of the running system that `lwctl status` shows, and the report file.
public enum LiveSystem {
    public static func mounts() -> [MountEntry] {
        MountTable.parse(mountinfo: TextFile.read("/proc/self/mountinfo") ?? "")
    }

    public static func read(_ path: String) -> [UInt8]? {
        guard let f = try? DeviceFile(path), let size = try? f.size else { return nil }
        return try? f.read(at: 0, count: Int(size))
    }

    /// Writes a small file whole, creating its directory, and syncs it.
    public static func write(_ path: String, _ bytes: [UInt8]) throws {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try Directory.create(String(path[..<slash]))
        }
        try TextFile.write(path, bytes)
    }

    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Reads what `SystemStatus` is derived from: the mount table, the saved report, the data
    /// mount's usage and health, and Docker's data-root. Reads only files any user may read.
    public static func status(policy: Policy) -> SystemStatus {
        let mountinfo = TextFile.read("/proc/self/mountinfo") ?? ""
        let mounts = MountTable.parse(mountinfo: mountinfo)
        let data = mounts.last { $0.mountPoint == policy.dataMountPoint }
        let measured = data == nil ? nil : measure(policy.dataMountPoint)
        let health = data.map { Self.health(of: $0, statvfsReadOnly: measured?.readOnly ?? false, mountinfo: mountinfo) }
        return SystemStatus.derive(
            policy: policy, mounts: mounts, report: ReportFile.load(policy.reportPath), usage: measured?.usage,
            health: health ?? SystemStatus.MountHealth(), dockerDataRoot: ReportFile.dockerDataRoot(root: policy.root))
    }

    /// One statvfs of `path`: its usage, and whether it is read-only (a read-only mount or
    /// superblock, as `mount -o remount,ro` and older kernels' ext4 errors=remount-ro leave it).
    static func measure(_ path: String) -> (usage: SystemStatus.Usage, readOnly: Bool)? {
        Mounting.statfs(path).map { (SystemStatus.Usage(size: $0.size, free: $0.free), $0.readOnly) }
    }

    /// The live facts about the data mount `entry`; `SystemStatus.MountHealth.readOnly` says
    /// why read-only is asked three ways.
    static func health(of entry: MountEntry, statvfsReadOnly: Bool, mountinfo: String) -> SystemStatus.MountHealth {
        SystemStatus.MountHealth(
            readOnly: SystemStatus.MountHealth.readOnly(
                statvfsReadOnly: statvfsReadOnly, superOptions: superOptions(in: mountinfo, mountPoint: entry.mountPoint) ?? "",
                ext4: entry.type == "ext4" ? ext4Facts(deviceNumber: entry.deviceNumber) : nil),
            deviceGone: deviceGone(entry))
    }

    /// ext4's own report on the file system of block device `deviceNumber` (MAJ:MIN), under
    /// the kernel's name for the device (`sdb1`), which /sys/dev/block's link ends in.
    static func ext4Facts(deviceNumber: String) -> SystemStatus.MountHealth.Ext4Facts? {
        guard let device = Directory.resolve("/sys/dev/block/" + deviceNumber), let name = device.split(separator: "/").last,
            let count = TextFile.trimmed("/sys/fs/ext4/\(name)/errors_count").flatMap(Int.init),
            let options = TextFile.read("/proc/fs/ext4/\(name)/options")
        else { return nil }
        return SystemStatus.MountHealth.Ext4Facts(errorCount: count, options: options)
    }

    /// The super options (after the source) of the last mount at `mountPoint` in mountinfo text:
    /// the file system's own state, where ext4 says `emergency_ro` (MountEntry keeps only the
    /// per-mount options).
    static func superOptions(in mountinfo: String, mountPoint: String) -> String? {
        let line = mountinfo.split(separator: "\n").last { MountTable.parse(mountinfo: String($0)).first?.mountPoint == mountPoint }
        guard let fields = line?.split(separator: " "), let dash = fields.firstIndex(of: "-"), fields.count > dash + 3 else { return nil }
        return String(fields[dash + 3])
    }

    /// Whether the block device `entry` was mounted from has left the system. When a disk is
    /// pulled the kernel deletes its device (the /sys/dev/block/MAJ:MIN link goes) and devtmpfs
    /// its node, while the mount stays in the table, held by the overlays. A tmpfs or another
    /// device-less file system (major 0) has neither to lose; without sysfs nothing is said.
    static func deviceGone(_ entry: MountEntry) -> Bool {
        guard entry.type != "tmpfs", !entry.deviceNumber.hasPrefix("0:") else { return false }
        if entry.source.hasPrefix("/"), !Directory.exists(entry.source) { return true }
        guard Directory.exists("/sys/dev/block") else { return false }
        return !Directory.exists("/sys/dev/block/" + entry.deviceNumber)
    }
}
