#if canImport(Glibc)
import Glibc
#endif
import PlanningBuilders
import Testing
@testable import PersistenceKit

/// What bench/fuzz found, each fixed where it was and kept here as the smallest case; the input
/// that found it is in Fixtures/fuzz/ and `make test` replays it through the whole probe.
@Suite struct FuzzFindingsTests {
    /// Fixtures/fuzz/gpt-entry-ends-before-start.bin: a GPT entry from LBA 13323664191843532700
    /// "to" a smaller one, which libblkid passes on (its size wraps around the range check) as a
    /// negative start: the probe trapped converting it, so `lwctl claim` and `devices` crashed.
    @Test func aGPTEntryPastTwoToTheSixtyThreeSectorsSaturatesPastEveryDisk() {
        let start = Int64(bitPattern: 13_323_664_191_843_532_700)
        let (first, size) = BlkidProbe.bytes(start: start, size: 5_123_079_881_866_020_965)
        #expect(start < 0)
        #expect(first == .max && size == 0)
        #expect(!first.addingReportingOverflow(size).overflow)
    }

    @Test func sectorsThatOverflowAsBytesSaturateAndTheEndStaysRepresentable() {
        #expect(BlkidProbe.bytes(start: 1 << 55, size: 1).start == .max)
        let (first, size) = BlkidProbe.bytes(start: 2048, size: .max)
        #expect(first == 2048 * 512 && size == .max - first)
    }

    @Test func anOrdinaryEntryIsItsSectorsTimes512() {
        let entry = BlkidProbe.bytes(start: 2048, size: 65536)
        #expect(entry.start == 1 << 20 && entry.size == 32 << 20)
    }

    /// Fixtures/fuzz/wipe-partition-past-the-end.bin: a magic disk whose old GPT has an entry
    /// starting at the disk's end and 16 EiB long; the claim's wipe handed libblkid that size,
    /// which its signed 64-bit offsets cannot hold, and trapped after the claim record was written.
    @Test func theWipeErasesOnlyWhatLiesOnTheDisk() throws {
        let image = try Image(size: 1 << 20)
        defer { image.remove() }
        let magic = MagicHeader.licensed(sector: [UInt8](repeating: 0, count: 512))
        try image.write(magic, at: 0)
        let regions = [
            Region(offset: 0, size: image.size), Region(offset: 512 << 10, size: .max - (512 << 10)),
            Region(offset: .max, size: 0), Region(offset: 2 * image.size, size: 4096),
        ]
        try SystemExecutor().run(.wipeSignatures(disk: image.path, regions: regions))
        #expect(image.read(at: 0, count: 512) == magic, "the wipe keeps the boot-code area (I2)")
    }

    /// Fixtures/fuzz/backup-gpt-declares-126-gib.bin: an ordinary primary GPT whose backup header
    /// declares 1056964736 entries. I4 looked at the primary only, so the partition named
    /// lightwhale-please-format-me was claimed, and libfdisk, reading the backup to rename it,
    /// allocated the 126 GiB array (the fuzzer's ASan stopped it; a real boot runs out of memory
    /// or reads the whole disk).
    @Test func aCraftedBackupHeaderMakesTheTableCrafted() throws {
        let image = try Image(size: 128 << 20)
        defer { image.remove() }
        let table = "label: gpt\nstart=2048, size=163840, type=L, name=\(MagicHeader.partitionName)\n"
        let made = try Subprocess.run(["sh", "-c", "printf '\(table)' | sfdisk -q \"$0\"", image.path])
        try #require(made.status == 0, Comment(rawValue: made.output))
        var backup = image.read(at: image.size - 512, count: 512)
        try #require(backup.starts(with: Array("EFI PART".utf8)))
        backup.replaceSubrange(80..<84, with: [0x80, 0x00, 0x00, 0x3f])
        try image.write(backup, at: image.size - 512)

        let disk = try Prober().inventory(devices: [image.path]).disks[0]
        #expect(disk.partitions.map(\.name) == [MagicHeader.partitionName], "libblkid reads the primary")
        let crafted = GPTHeader(entries: 1_056_964_736, entrySize: 128)
        #expect(disk.partitionTable?.gptHeader == crafted)
        let plan = Planner.plan(Inventory(disks: [disk]), policy: Make.policy)
        #expect(plan.mode == .volatile && !plan.steps.contains(where: \.writesDisk))
        #expect(plan.skipped.first?.reason.refusals.contains(.craftedTable(crafted)) == true, "\(plan.skipped)")
    }

    /// A sparse image file in /tmp for one test.
    struct Image {
        let path: String
        let fd: Int32
        let size: UInt64

        init(size: UInt64) throws {
            var template = Array("/tmp/lwfuzz-finding.XXXXXX".utf8CString)
            fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            self.size = size
            try #require(fd >= 0 && ftruncate(fd, off_t(size)) == 0)
        }

        func write(_ bytes: [UInt8], at offset: UInt64) throws {
            try #require(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) } == bytes.count)
        }

        func read(at offset: UInt64, count: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return Array(out.prefix(max(0, n)))
        }

        func remove() {
            close(fd)
            unlink(path)
        }
    }
}
