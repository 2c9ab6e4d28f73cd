#if canImport(Glibc)
import Glibc
#endif
import Updating

/// A Lightwhale image (an ISO file, or a disk or CD holding one) read in place, never mounted.
final class ImageFile {
    let path: String
    private let device: DeviceFile
    private let iso: ISO9660

    init(_ path: String) throws {
        self.path = path
        var st = stat()
        guard stat(path, &st) == 0 else { throw SystemError.errno("open image", path) }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFBLK || kind == S_IFREG else { throw UpdateError.badImage("\(path) is not a file or a block device") }
        let device = try DeviceFile(path)
        self.device = device
        iso = try ISO9660(size: try device.size) { try device.read(at: $0, count: $1) }
    }

    /// A file's whole contents; nil when the image has no such file.
    func contents(_ relative: String, largest: UInt64 = 1 << 20) throws -> [UInt8]? {
        guard let entry = try iso.find(relative), !entry.isDirectory else { return nil }
        guard entry.size <= largest else { throw UpdateError.badImage("\(relative) is \(entry.size) bytes, more than any Lightwhale's") }
        return try device.read(at: entry.offset, count: Int(entry.size))
    }

    /// The file, as a place in the image to copy from.
    func entry(_ relative: String) throws -> ISO9660.Entry {
        guard let entry = try iso.find(relative), !entry.isDirectory else { throw UpdateError.badImage("it has no \(relative)") }
        return entry
    }

    func read(_ entry: ISO9660.Entry, at offset: UInt64, count: Int) throws -> [UInt8] {
        try device.read(at: entry.offset + offset, count: count)
    }
}
