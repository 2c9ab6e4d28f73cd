#if canImport(Glibc)
import Glibc
#endif
import CBlkid

/// An open file descriptor on a device or image file, closed when dropped.
final class DeviceFile {
    let path: String
    let fd: Int32

    init(_ path: String, writable: Bool = false) throws {
        self.path = path
        let flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC
        fd = try retrying("open", path) { open(path, flags) }
    }

    deinit { close(fd) }

    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try retrying("read", path) { pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            }
            if n == 0 { break }
            done += n
        }
        return Array(buffer[0..<done])
    }

    func write(_ bytes: [UInt8], at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let n = try bytes.withUnsafeBytes { raw in
                try retrying("write", path) { pwrite(fd, raw.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            }
            done += n
        }
    }

    /// fsync, and for block devices also drop the kernel's buffer cache so later readers
    /// (other nodes of the same disk, libblkid, e2fsck) see what is on the medium.
    func sync() throws {
        try retrying("fsync", path) { fsync(fd) }
        if isBlockDevice { _ = lw_ioctl_none(fd, lw_BLKFLSBUF) }
    }

    var isBlockDevice: Bool {
        var st = stat()
        return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFBLK
    }

    var size: UInt64 {
        get throws {
            var st = stat()
            try retrying("stat", path) { fstat(fd, &st) }
            if (st.st_mode & S_IFMT) == S_IFBLK {
                var bytes: UInt64 = 0
                try retrying("BLKGETSIZE64", path) { lw_ioctl_u64(fd, lw_BLKGETSIZE64, &bytes) }
                return bytes
            }
            return UInt64(st.st_size)
        }
    }

    /// The logical sector size: the kernel's for block devices, 512 for image files.
    var sectorSize: UInt32 {
        var ss: Int32 = 512
        if isBlockDevice, lw_ioctl_int(fd, lw_BLKSSZGET, &ss) != 0 { ss = 512 }
        return UInt32(ss)
    }
}

/// Small reads of text files (sysfs, procfs).
enum TextFile {
    static func read(_ path: String) -> String? {
        guard let f = try? DeviceFile(path) else { return nil }
        var out: [UInt8] = []
        var offset: UInt64 = 0
        while let chunk = try? f.read(at: offset, count: 65536), !chunk.isEmpty {
            out += chunk
            offset += UInt64(chunk.count)
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func trimmed(_ path: String) -> String? {
        read(path).map { String($0.filter { $0 != "\n" }).trimmingSpaces() }
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let fd = try retrying("create", path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            done += try bytes.withUnsafeBytes { raw in
                try retrying("write", path) { Glibc.write(fd, raw.baseAddress! + done, bytes.count - done) }
            }
        }
        try retrying("fsync", path) { fsync(fd) }
    }

    /// Replaces `path` whole or not at all: a synced temporary file renamed over it.
    static func replace(_ path: String, _ bytes: [UInt8]) throws {
        try write(path + ".new", bytes)
        try retrying("rename", path + ".new") { rename(path + ".new", path) }
        if let slash = path.lastIndex(of: "/") { try Directory.sync(String(path[..<slash])) }
    }
}

extension String {
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s.removeLast() }
        return String(s)
    }
}

/// Directory listing and creation, without Foundation.
enum Directory {
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p`.
    static func create(_ path: String, mode: mode_t = 0o755) throws {
        if isDirectory(path) { return }
        let parent = path.split(separator: "/", omittingEmptySubsequences: true).dropLast().joined(separator: "/")
        if !parent.isEmpty { try create("/" + parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError.errno("create directory", path) }
    }

    /// fsync of a directory: makes the names created or renamed in it durable.
    static func sync(_ path: String) throws {
        let fd = try retrying("open directory", path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        try retrying("fsync", path) { fsync(fd) }
    }

    /// `rm -rf`, never following a symbolic link out of the tree.
    static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { try removeTree(path + "/" + name) }
            try retrying("remove directory", path) { rmdir(path) }
        } else {
            try retrying("remove", path) { unlink(path) }
        }
    }

    /// The bytes of the regular files under `path` (`du --apparent-size`, links not followed).
    /// Paths under `path` (relative, prefixed by `prefix`) of its regular files and of overlayfs
    /// whiteouts (a file deleted from the layer below); directories are walked, not listed.
    static func filesAndWhiteouts(_ path: String, prefix: String) -> [String] {
        var st = stat()
        guard lstat(path, &st) == 0 else { return [] }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return list(path).flatMap { filesAndWhiteouts(path + "/" + $0, prefix: prefix + "/" + $0) }
        case S_IFREG: return [prefix]
        case S_IFCHR where st.st_rdev == 0: return [prefix]
        default: return []
        }
    }

    /// The bytes of the regular files under `path`, not crossing into other file systems (a
    /// running container's overlay is mounted inside Docker's data).
    static func treeSize(_ path: String, device: UInt64? = nil) -> UInt64 {
        var st = stat()
        guard lstat(path, &st) == 0, device == nil || device == UInt64(st.st_dev) else { return 0 }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return list(path).reduce(0) { $0 + treeSize(path + "/" + $1, device: UInt64(st.st_dev)) }
        case S_IFREG: return UInt64(st.st_size)
        default: return 0
        }
    }

    static func resolve(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
