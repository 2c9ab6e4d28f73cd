#if canImport(Glibc)
import Glibc
#endif
import CBlkid

/// libblkid, owned: one probe over a byte range of an open device, freed when dropped.
final class BlkidProbe {
    let probe: blkid_probe
    let subject: String

    init(_ file: DeviceFile, region: Region? = nil) throws {
        guard let p = blkid_new_probe() else { throw SystemError("probe", file.path, "libblkid could not allocate a probe") }
        probe = p
        subject = file.path
        // Once every property is set, a throwing init still runs deinit: it frees the probe.
        if blkid_probe_set_device(p, file.fd, blkid_loff_t(region?.offset ?? 0), blkid_loff_t(region?.size ?? 0)) != 0 {
            throw SystemError("probe", region.map { "\(file.path) at \($0.offset)+\($0.size)" } ?? file.path, "libblkid refused the range")
        }
    }

    deinit { blkid_free_probe(probe) }

    /// `blkid_do_safeprobe` has four outcomes; they are not errors of ours but facts about the disk.
    enum Outcome: Equatable {
        case found
        case nothing
        case ambivalent
        case failed
    }

    func safeprobe() -> Outcome {
        switch blkid_do_safeprobe(probe) {
        case 0: .found
        case 1: .nothing
        case -2: .ambivalent
        default: .failed
        }
    }

    func value(_ name: String) -> String? {
        var data: UnsafePointer<CChar>?
        var len: Int = 0
        guard blkid_probe_lookup_value(probe, name, &data, &len) == 0, let data else { return nil }
        return String(cString: data)
    }

    /// The signatures the inventory names. Leaving out the rest keeps a probe to a few KiB: some
    /// probers (ZFS reads four 256 KiB labels) would read megabytes of every disk at every boot.
    /// Wiping (`wipeAll`) still looks for every type libblkid knows.
    static let inventoryTypes = [
        "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "ntfs", "iso9660", "udf", "swap",
        "linux_raid_member", "LVM2_member", "crypto_LUKS", "squashfs", "erofs", "f2fs",
    ]

    /// Type, label and UUID of what is in the region, or nil if nothing (or nothing unambiguous) is.
    func filesystem() -> Filesystem? {
        blkid_probe_enable_partitions(probe, 0)
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, lw_SUBLKS_TYPE | lw_SUBLKS_LABEL | lw_SUBLKS_UUID)
        var names: [UnsafeMutablePointer<CChar>?] = Self.inventoryTypes.map { strdup($0) } + [nil]
        defer { names.forEach { free($0) } }
        _ = blkid_probe_filter_superblocks_type(probe, lw_FLTR_ONLYIN, &names)
        switch safeprobe() {
        case .found:
            guard let type = value("TYPE") else { return nil }
            return Filesystem(type: type, label: value("LABEL"), uuid: value("UUID"))
        case .ambivalent:
            return Filesystem(type: "ambivalent")
        case .nothing, .failed:
            return nil
        }
    }

    /// The partition table and its entries, as written on the disk (not as the kernel knows them).
    func partitions() -> (PartitionTable, [Partition])? {
        blkid_probe_enable_superblocks(probe, 0)
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, lw_PARTS_ENTRY_DETAILS)
        guard let list = blkid_probe_get_partitions(probe), let tab = blkid_partlist_get_table(list) else { return nil }
        let table = PartitionTable(
            type: blkid_parttable_get_type(tab).map { String(cString: $0) } ?? "unknown",
            id: blkid_parttable_get_id(tab).map { String(cString: $0) })
        var parts: [Partition] = []
        for i in 0..<max(0, blkid_partlist_numof_partitions(list)) {
            guard let p = blkid_partlist_get_partition(list, i) else { continue }
            let (start, size) = Self.bytes(start: blkid_partition_get_start(p), size: blkid_partition_get_size(p))
            parts.append(
                Partition(
                    number: Int(blkid_partition_get_partno(p)),
                    start: start,
                    size: size,
                    name: blkid_partition_get_name(p).map { String(cString: $0) },
                    typeGUID: blkid_partition_get_type_string(p).map { String(cString: $0).uppercased() },
                    uuid: blkid_partition_get_uuid(p).map { String(cString: $0).lowercased() }))
        }
        return (table, parts)
    }

    /// An entry's sectors as bytes. libblkid counts in 512-byte sectors whatever the device's
    /// sector size, and passes on what a crafted GPT entry says, even past 2^63 sectors (an entry
    /// ending before it starts slips through its range check, the size wrapping around; it then
    /// comes back negative). Such a value saturates at the top of the address space: past the end
    /// of every disk, as the planner then judges it, and `start + size` never overflows.
    static func bytes(start: Int64, size: Int64) -> (start: UInt64, size: UInt64) {
        func saturating(_ sectors: Int64) -> UInt64 {
            let (bytes, overflow) = UInt64(bitPattern: sectors).multipliedReportingOverflow(by: 512)
            return overflow ? .max : bytes
        }
        let first = saturating(start)
        return (first, min(saturating(size), .max - first))
    }

    /// Erases every signature libblkid can find in the region (file systems, RAID, LVM,
    /// partition tables including the backup GPT), as `wipefs -a` does. Returns what it erased.
    func wipeAll() throws -> [String] {
        blkid_probe_enable_superblocks(probe, 1)
        blkid_probe_set_superblocks_flags(probe, lw_SUBLKS_MAGIC | lw_SUBLKS_TYPE | lw_SUBLKS_BADCSUM)
        blkid_probe_enable_partitions(probe, 1)
        blkid_probe_set_partitions_flags(probe, lw_PARTS_MAGIC)
        var erased: [String] = []
        // Each pass finds one signature; wiping steps the probe back so the same chain looks again.
        // A bound keeps a misbehaving device from looping forever.
        for _ in 0..<256 {
            let r = blkid_do_probe(probe)
            if r == 1 { return erased }
            if r != 0 { throw SystemError("look for signatures on", subject, "libblkid failed") }
            let name = value("TYPE") ?? value("PTTYPE") ?? "signature"
            let offset = value("SBMAGIC_OFFSET") ?? value("PTMAGIC_OFFSET") ?? "?"
            if blkid_do_wipe(probe, 0) != 0 {
                throw SystemError.errno("erase the \(name) signature at \(offset) on", subject)
            }
            erased.append("\(name)@\(offset)")
        }
        throw SystemError("erase signatures on", subject, "more than 256 signatures; giving up")
    }
}
