#if canImport(Glibc)
import Glibc
#endif

/// libblkid takes no GPT whose header or entry array fails its CRC-32, and the fuzzer cannot see
/// inside libblkid to learn the sums: nearly every mutation of a partition entry would die there,
/// and the planner would never get a crafted table. When an input asks for it, the sums are made
/// right after the pieces are laid, as OSS-Fuzz targets of checksummed formats do. (The ext4
/// superblock's CRC-32C needs no such help: libblkid 2.38 does not check it, and the probe opens
/// it with libext2fs's EXT2_FLAG_IGNORE_CSUM_ERRORS.)
enum Checksums {
    static let ieee: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    /// The GPT's (and zlib's) CRC-32.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        ~data.reduce(~UInt32(0)) { ieee[Int(($0 ^ UInt32($1)) & 0xff)] ^ ($0 >> 8) }
    }

    /// The primary (LBA 1) and backup (last LBA) GPT headers: entry array sum, then header sum.
    static func fixGPT(fd: Int32, size: UInt64) {
        guard size >= 2 * DiskInput.sector else { return }
        for at in [DiskInput.sector, size - DiskInput.sector] {
            var header = read(fd, at: at, count: 512)
            guard header.starts(with: Array("EFI PART".utf8)) else { continue }
            let headerSize = Int(min(max(le(header, 12, 4), 92), 512))
            let entries = le(header, 72, 8).multipliedReportingOverflow(by: DiskInput.sector)
            let arrayBytes = le(header, 80, 4) * le(header, 84, 4)
            if !entries.overflow, arrayBytes > 0, arrayBytes <= 4 << 20, entries.partialValue <= size - min(size, arrayBytes) {
                put(&header, 88, crc32(read(fd, at: entries.partialValue, count: Int(arrayBytes))))
            }
            put(&header, 16, 0)
            put(&header, 16, crc32(Array(header[0..<headerSize])))
            write(fd, header, at: at)
        }
    }

    static func le(_ b: [UInt8], _ at: Int, _ n: Int) -> UInt64 {
        (0..<n).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
    }

    static func put(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
    }

    static func read(_ fd: Int32, at: UInt64, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(at)) }
        return Array(out.prefix(max(0, n)))
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at: UInt64) {
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(at)) }
        guard n == bytes.count else { fatalError("pwrite: \(String(cString: strerror(errno)))") }
    }
}
