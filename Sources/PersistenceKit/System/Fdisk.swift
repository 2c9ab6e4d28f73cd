#if canImport(Glibc)
import Glibc
#endif
import CFdisk

/// libfdisk, owned: a context assigned to one device read-write, written and synced on `close`.
final class FdiskContext {
    private let cxt: OpaquePointer
    let path: String
    private var assigned = false

    init(path: String) throws {
        guard let c = fdisk_new_context() else { throw SystemError("open", path, "libfdisk could not allocate a context") }
        cxt = c
        self.path = path
        // Keep LBA 0's boot-code area (the magic header and claim record live there; I2).
        _ = fdisk_enable_bootbits_protection(c, 1)
        // deinit runs even when this init throws, and releases the context.
        let r = fdisk_assign_device(c, path, 0)
        if r != 0 { throw SystemError.errno("open for partitioning", path, code: -r) }
        assigned = true
    }

    deinit {
        if assigned { _ = fdisk_deassign_device(cxt, 1) }
        fdisk_unref_context(cxt)
    }

    private func check(_ r: Int32, _ what: String) throws {
        if r < 0 { throw SystemError.errno(what, path, code: -r) }
    }

    /// Replaces whatever table there is with a GPT holding exactly `layout`'s partition.
    func createDataPartition(_ layout: GPTLayout) throws {
        try check(fdisk_create_disklabel(cxt, "gpt"), "create a GPT on")
        try check(fdisk_set_disklabel_id_from_string(cxt, layout.diskUUID), "set the disk GUID of")
        guard let label = fdisk_get_label(cxt, nil), let type = fdisk_label_parse_parttype(label, layout.typeGUID) else {
            throw SystemError("create a GPT on", path, "libfdisk does not know type \(layout.typeGUID)")
        }
        defer { fdisk_unref_parttype(type) }
        guard let pa = fdisk_new_partition() else { throw SystemError("partition", path, "out of memory") }
        defer { fdisk_unref_partition(pa) }
        try check(fdisk_partition_set_partno(pa, 0), "number the partition on")
        try check(fdisk_partition_set_start(pa, layout.firstSector), "place the partition on")
        try check(fdisk_partition_set_size(pa, layout.sectors), "size the partition on")
        try check(fdisk_partition_set_type(pa, type), "type the partition on")
        try check(fdisk_partition_set_name(pa, layout.name), "name the partition on")
        try check(fdisk_partition_set_uuid(pa, layout.partitionUUID), "set the partition GUID on")
        var number: Int = 0
        try check(fdisk_add_partition(cxt, pa, &number), "add the data partition to")
    }

    /// Renames partition `number` (1-based) and sets its GUID, after checking it is where the plan
    /// says: a table changed since the probe is not written.
    func updatePartition(_ ref: PartitionRef, name: String?, uuid: String) throws {
        guard let label = fdisk_get_label(cxt, nil), String(cString: fdisk_label_get_name(label)) == "gpt" else {
            throw SystemError("update partition \(ref.number) of", path, "the disk has no GPT")
        }
        var current: OpaquePointer?
        try check(fdisk_get_partition(cxt, Int(ref.number - 1), &current), "read partition \(ref.number) of")
        defer { fdisk_unref_partition(current) }
        let ss = UInt64(fdisk_get_sector_size(cxt))
        let start = fdisk_partition_get_start(current) * ss
        let size = fdisk_partition_get_size(current) * ss
        guard start == ref.region.offset, size == ref.region.size else {
            throw SystemError("update partition \(ref.number) of", path, "it moved since the probe (now \(start)+\(size)); nothing written")
        }
        guard let pa = fdisk_new_partition() else { throw SystemError("partition", path, "out of memory") }
        defer { fdisk_unref_partition(pa) }
        if let name { try check(fdisk_partition_set_name(pa, name), "rename partition \(ref.number) of") }
        try check(fdisk_partition_set_uuid(pa, uuid), "set the GUID of partition \(ref.number) of")
        try check(fdisk_set_partition(cxt, Int(ref.number - 1), pa), "update partition \(ref.number) of")
    }

    /// Writes the table and closes the device with fsync.
    func write() throws {
        try check(fdisk_write_disklabel(cxt), "write the partition table of")
        let r = fdisk_deassign_device(cxt, 0)
        assigned = false
        try check(r, "sync the partition table of")
    }
}
