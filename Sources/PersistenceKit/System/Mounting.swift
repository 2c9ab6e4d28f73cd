#if canImport(Glibc)
import Glibc
#endif

/// mount(2), the one place it is called.
enum Mounting {
    static func mount(source: String, target: String, type: String, options: String = "", flags: UInt = 0) throws {
        try Directory.create(target)
        let r = Glibc.mount(source, target, type, flags, options.isEmpty ? nil : options)
        if r != 0 { throw SystemError.errno("mount \(source) (\(type)) at", target) }
    }

    /// Size, the bytes users other than root may still use (f_bavail, which excludes ext4's
    /// reserve for root), and whether it is read-only (ST_RDONLY).
    static func statfs(_ path: String) -> (size: UInt64, free: UInt64, readOnly: Bool)? {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return nil }
        return (UInt64(s.f_blocks) * UInt64(s.f_frsize), UInt64(s.f_bavail) * UInt64(s.f_frsize), s.f_flag & UInt(ST_RDONLY) != 0)
    }
}
