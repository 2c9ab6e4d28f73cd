#if canImport(Glibc)
import Glibc
#endif
import CBlkid

/// The kernel's idea of a disk's partitions, brought in line with the disk itself.
///
/// Some kernels parse partition tables (BLKRRPART works), others have no parsers at all, and a
/// busy disk refuses a re-read anyway. BLKPG tells the kernel about one partition at a time and
/// works everywhere, so the executor uses it and never relies on a blind sleep or a re-read.
enum KernelPartitions {
    struct Known: Equatable {
        var name: String
        var number: Int
        var region: Region
    }

    /// What /sys says the kernel knows of `disk`'s partitions.
    static func known(disk: String) -> [Known] {
        let name = String(disk.split(separator: "/").last ?? "")
        let base = "/sys/class/block/\(name)"
        return Directory.list(base).compactMap { entry in
            guard let n = TextFile.trimmed("\(base)/\(entry)/partition").flatMap(Int.init),
                let start = TextFile.trimmed("\(base)/\(entry)/start").flatMap(UInt64.init),
                let size = TextFile.trimmed("\(base)/\(entry)/size").flatMap(UInt64.init)
            else { return nil }
            return Known(name: entry, number: n, region: Region(offset: start * 512, size: size * 512))
        }
    }

    /// Makes the kernel's list match `wanted` (number → region) for the partitions named, removing
    /// any other it knows when `exclusive`; returns the node path of each wanted partition.
    @discardableResult
    static func sync(disk: String, wanted: [Int: Region], exclusive: Bool) throws -> [Int: String] {
        let file = try DeviceFile(disk)
        var nodes: [Int: String] = [:]
        for k in known(disk: disk) {
            let keep = wanted[k.number] == k.region
            if keep {
                nodes[k.number] = "/dev/\(k.name)"
            } else if exclusive || wanted[k.number] != nil || wanted.values.contains(where: { overlaps($0, k.region) }) {
                if lw_blkpg_partition(file.fd, lw_BLKPG_DEL, Int32(k.number), 0, 0) != 0 {
                    throw SystemError.errno("remove stale partition \(k.name) from the kernel for", disk)
                }
            }
        }
        for (number, region) in wanted.sorted(by: { $0.key < $1.key }) where nodes[number] == nil {
            if lw_blkpg_partition(file.fd, lw_BLKPG_ADD, Int32(number), Int64(region.offset), Int64(region.size)) != 0 {
                throw SystemError.errno("add partition \(number) to the kernel for", disk)
            }
            guard let k = known(disk: disk).first(where: { $0.number == number }) else {
                throw SystemError("add partition \(number) to the kernel for", disk, "the kernel accepted it but /sys does not show it")
            }
            nodes[number] = "/dev/\(k.name)"
        }
        for node in nodes.values { try waitForNode(node) }
        return nodes
    }

    /// devtmpfs creates the node as the kernel registers the partition; where a udev also runs it
    /// may replace it. Wait on the condition itself, bounded, rather than for a fixed time.
    static func waitForNode(_ node: String, timeout: Double = 10) throws {
        var waited = 0.0
        while true {
            var st = stat()
            if stat(node, &st) == 0, (st.st_mode & S_IFMT) == S_IFBLK, let f = try? DeviceFile(node), (try? f.size) ?? 0 > 0 {
                return
            }
            if waited >= timeout { throw SystemError("wait for", node, "the node did not appear within \(Int(timeout)) s") }
            usleep(10_000)
            waited += 0.01
        }
    }

    static func overlaps(_ a: Region, _ b: Region) -> Bool {
        a.offset < b.offset + b.size && b.offset < a.offset + a.size
    }
}
