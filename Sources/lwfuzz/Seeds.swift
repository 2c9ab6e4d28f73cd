#if canImport(Glibc)
import Glibc
#endif
import PersistenceKit

/// A seed input from a fixture image: the regions a probe reads, without their zero sectors.
/// Those are LBA 0 to the end of the ISO 9660 descriptors (MBR, GPT header and entries, the
/// magic and claim record, a superfloppy's superblock, an installer's volume descriptors), the
/// last 64 KiB (backup GPT, the RAID 0.90 superblock), and each partition's first 8 KiB (boot
/// sector, ext superblock and group descriptors, swap header), more of a FAT. A fixture's seed is
/// judged by probing both: the same facts mean the fuzzer starts from that fixture's very case.
enum Seeds {
    static let maximumLength = 64 << 10
    static let headBytes: UInt64 = 40 << 10
    static let tailBytes: UInt64 = 64 << 10
    static let partitionBytes: UInt64 = 8 << 10
    /// Then, while the budget lasts, more of a FAT: its label is in the root directory, after the FATs.
    static let fatBytes: UInt64 = 256 << 10

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `lwfuzz --seeds OUTDIR IMAGE...`: OUTDIR/NAME for each IMAGE (NAME.img), and a line each.
    static func main(_ arguments: [String]) -> Int32 {
        guard arguments.count >= 2 else {
            print("usage: lwfuzz --seeds OUTDIR IMAGE...")
            return 2
        }
        let scratch = Scratch()
        var failed = false
        for image in arguments.dropFirst() {
            let name = String(image.split(separator: "/").last ?? "seed").replacingSuffix(".img")
            do {
                let (input, note) = try seed(from: image, scratch: scratch)
                let bytes = input.encoded()
                let fd = open("\(arguments[0])/\(name)", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw Failure(description: "cannot create \(arguments[0])/\(name)") }
                defer { close(fd) }
                guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
                    throw Failure(description: "cannot write \(arguments[0])/\(name)")
                }
                let sums = input.fixesGPT ? "GPT sums made right" : "GPT sums as they are"
                print("\(name): \(bytes.count) bytes in \(input.pieces.count) pieces, \(sums), \(note ?? "probes as the image does")")
            } catch {
                print("lwfuzz: \(image): \(error)")
                failed = true
            }
        }
        return failed ? 1 : 0
    }

    /// The seed, and how its probe differs from the image's (nil: it does not).
    static func seed(from image: String, scratch: Scratch) throws -> (DiskInput, String?) {
        let original = try Target.prober.inventory(devices: [image]).disks[0]
        let fd = open(image, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        let size = original.size
        var regions = [(UInt64(0), headBytes), (size - min(size, tailBytes), tailBytes)]
        regions += original.partitions.map { ($0.start, partitionBytes) }
        regions += original.partitions.filter { $0.filesystem?.type == "vfat" }.map { ($0.start, fatBytes) }
        if original.filesystem?.type == "vfat" { regions.append((0, fatBytes)) }
        var pieces: [(offset: UInt64, bytes: [UInt8])] = []
        var length = DiskInput.headerLength
        var covered: [Range<UInt64>] = []
        var dropped = 0
        for (start, count) in regions where start < size {
            let wanted = start..<(start + min(count, size - start))
            // Sector by sector, so that zeros cost nothing and overlapping regions are read once.
            for sector in stride(from: wanted.lowerBound, to: wanted.upperBound, by: Int(DiskInput.sector))
            where !covered.contains(where: { $0.contains(sector) }) {
                var buffer = [UInt8](repeating: 0, count: Int(DiskInput.sector))
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(sector)) }
                guard n > 0, buffer.contains(where: { $0 != 0 }) else { continue }
                let joins = pieces.last.map { $0.offset + UInt64($0.bytes.count) == sector && $0.bytes.count + n <= 32 << 10 } ?? false
                let cost = n + (joins ? 0 : DiskInput.pieceHeaderLength)
                guard length + cost <= maximumLength else {
                    dropped += 1
                    continue
                }
                if joins { pieces[pieces.count - 1].bytes += buffer[0..<n] } else { pieces.append((sector, Array(buffer[0..<n]))) }
                length += cost
            }
            covered.append(wanted)
        }
        // GPT sums made right by default, so that mutations reach what they change; not where
        // that changes what the probe sees (a fixture whose table is corrupt on purpose).
        var input = DiskInput(size: size, fixesGPT: true, pieces: pieces)
        var seen = try probe(input, scratch: scratch, as: original)
        if seen != original {
            input.fixesGPT = false
            seen = try probe(input, scratch: scratch, as: original)
        }
        var notes = seen == original ? [] : ["probes otherwise: " + differences(original, seen).joined(separator: ", ")]
        if dropped > 0 { notes.append("\(dropped) non-zero sectors left out (over \(maximumLength) bytes)") }
        return (input, notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    static func probe(_ input: DiskInput, scratch: Scratch, as original: Disk) throws -> Disk {
        guard input.encoded().withUnsafeBytes({ DiskInput(parsing: $0) }) == input else { throw Failure(description: "the seed does not parse back") }
        input.write(to: scratch.fd)
        var seen = try Target.prober.inventory(devices: [scratch.path]).disks[0]
        seen.path = original.path
        seen.readOnly = original.readOnly
        return seen
    }

    static func differences(_ a: Disk, _ b: Disk) -> [String] {
        var out: [String] = []
        if a.header != b.header { out.append("header") }
        if a.partitionTable != b.partitionTable { out.append("table") }
        if a.filesystem != b.filesystem { out.append("file system \(a.filesystem?.type ?? "none") → \(b.filesystem?.type ?? "none")") }
        if a.partitions.count != b.partitions.count { out.append("\(a.partitions.count) → \(b.partitions.count) partitions") }
        for (p, q) in zip(a.partitions, b.partitions) where p != q {
            out.append("partition \(p.number)" + (p.filesystem != q.filesystem ? " file system \(p.filesystem?.type ?? "none") → \(q.filesystem?.type ?? "none")" : ""))
        }
        return out
    }
}

extension String {
    func replacingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
