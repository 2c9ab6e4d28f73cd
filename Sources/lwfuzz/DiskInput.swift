#if canImport(Glibc)
import Glibc
#endif

/// How a fuzz input becomes a disk: a size, then pieces laid over zeros where they belong.
/// The structures a probe reads sit in a few KiB scattered over the disk (LBA 0, the GPT, each
/// partition's first sectors, RAID and the backup GPT near the end), so an input is a list of
/// those pieces, not the disk's first N KiB: a seed holds every region a fixture's probe reads in
/// under 64 KiB, and a mutation can move a piece or grow the disk.
///
///     u32 LE  disk size in 512-byte sectors (missing bytes count as 0: an empty file)
///     u8      bit 0: make the GPT checksums right after the pieces are laid (`Checksums`)
///     then, repeated until the input ends:
///     i32 LE  first sector of the piece; negative counts from the end (-33: the backup GPT)
///     u16 LE  its length in bytes (cut short by the end of the input)
///     bytes   the piece
///
/// Every input is a disk: pieces out of range are cut to the disk or dropped, later pieces win.
struct DiskInput: Equatable {
    static let sector: UInt64 = 512
    static let headerLength = 5
    static let pieceHeaderLength = 6

    var size: UInt64
    var fixesGPT: Bool
    var pieces: [(offset: UInt64, bytes: [UInt8])]

    static func == (a: DiskInput, b: DiskInput) -> Bool {
        a.size == b.size && a.fixesGPT == b.fixesGPT && a.pieces.elementsEqual(b.pieces) { $0.offset == $1.offset && $0.bytes == $1.bytes }
    }

    init(size: UInt64, fixesGPT: Bool, pieces: [(offset: UInt64, bytes: [UInt8])]) {
        self.size = size
        self.fixesGPT = fixesGPT
        self.pieces = pieces
    }

    init(parsing input: UnsafeRawBufferPointer) {
        let bytes = input.isEmpty ? [] : Array(input.bindMemory(to: UInt8.self))
        var at = 0
        func take(_ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<n where at + i < bytes.count { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            at += n
            return v
        }
        size = take(4) * Self.sector
        fixesGPT = take(1) & 1 != 0
        pieces = []
        while at + Self.pieceHeaderLength <= bytes.count {
            let first = Int64(Int32(truncatingIfNeeded: UInt32(take(4))))
            let length = Int(take(2))
            let data = Array(bytes[at..<min(at + length, bytes.count)])
            at += length
            let start = first >= 0 ? UInt64(first) * Self.sector : size &- UInt64(-first) * Self.sector
            guard first >= 0 ? start < size : UInt64(-first) * Self.sector <= size else { continue }
            let kept = data.prefix(Int(min(UInt64(data.count), size - start)))
            if !kept.isEmpty { pieces.append((start, Array(kept))) }
        }
    }

    /// The input that `init(parsing:)` reads back as this disk (pieces must start on a sector).
    func encoded() -> [UInt8] {
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        var out = le(size / Self.sector, 4) + [fixesGPT ? 1 : 0]
        for p in pieces {
            precondition(p.offset % Self.sector == 0 && p.bytes.count <= Int(UInt16.max), "a piece starts on a sector and fits a u16")
            out += le(p.offset / Self.sector, 4) + le(UInt64(p.bytes.count), 2) + p.bytes
        }
        return out
    }

    /// Makes the open file `fd` this disk: truncated to nothing (a tmpfs frees the old pages, so
    /// no byte of the last input survives), extended sparse to `size`, the pieces written in,
    /// the GPT checksums made right if asked. Byte 0 ..< 512 is always the input's own.
    func write(to fd: Int32) {
        guard ftruncate(fd, 0) == 0, ftruncate(fd, off_t(size)) == 0 else { fatalError("ftruncate: \(String(cString: strerror(errno)))") }
        for p in pieces {
            let n = p.bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(p.offset)) }
            guard n == p.bytes.count else { fatalError("pwrite: \(n < 0 ? String(cString: strerror(errno)) : "short")") }
        }
        if fixesGPT { Checksums.fixGPT(fd: fd, size: size) }
    }
}
