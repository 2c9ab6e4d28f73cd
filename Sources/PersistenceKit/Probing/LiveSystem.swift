#if canImport(Glibc)
import Glibc
#endif

/// Read-only views of the running system that `lwctl status` shows, and the report file.
public enum LiveSystem {
    public static func mounts() -> [MountEntry] {
        MountTable.parse(mountinfo: TextFile.read("/proc/self/mountinfo") ?? "")
    }

    /// Size and free bytes of the file system holding `path`.
    public static func usage(of path: String) -> (size: UInt64, free: UInt64)? { Mounting.statfs(path) }

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
    /// file system's usage and Docker's data-root. Reads only files any user may read.
    public static func status(policy: Policy) -> SystemStatus {
        let mounts = mounts()
        let usage = mounts.contains { $0.mountPoint == policy.dataMountPoint }
            ? self.usage(of: policy.dataMountPoint).map { SystemStatus.Usage(size: $0.size, free: $0.free) } : nil
        return SystemStatus.derive(
            policy: policy, mounts: mounts, report: ReportFile.load(policy.reportPath), usage: usage,
            dockerDataRoot: ReportFile.dockerDataRoot(root: policy.root))
    }
}
