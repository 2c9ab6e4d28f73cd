import Testing
@testable import PersistenceCore
import PlanningBuilders

@Suite struct HeaderTests {
    static let text = Array("lightwhale-please-format-me".utf8)

    static let cases: [([UInt8], MagicMatch)] = {
        var c: [([UInt8], MagicMatch)] = []
        c.append((text, .exact))
        c.append((text + [0x0a], .exact))  // the guide's echo
        c.append((text + Array("-and-more-old-bytes".utf8), .exact))  // conv=notrunc over old data
        c.append((Array("LIGHTWHALE-please-format-me".utf8), .nearMiss("the header at byte 0 differs in letter case")))
        c.append(([0x20] + text, .nearMiss("the header starts at byte 1, not byte 0")))
        c.append(([UInt8](repeating: 0, count: 7) + text, .nearMiss("the header starts at byte 7, not byte 0")))
        c.append((Array(text.dropLast()), .absent))  // one byte short
        c.append((Array("lightwhale-please-format-m3".utf8), .absent))
        c.append(([], .absent))
        c.append(([UInt8](repeating: 0, count: 512), .absent))
        return c
    }()

    @Test(arguments: cases)
    func match(head: [UInt8], expected: MagicMatch) {
        #expect(MagicHeader.match(head) == expected)
    }

    @Test func claimRecordRoundTrips() throws {
        var sector = [UInt8](repeating: 0xAB, count: 512)
        let record = ClaimRecord(filesystemUUID: Make.fsUUID)
        sector.replaceSubrange(ClaimRecord.offset..<(ClaimRecord.offset + ClaimRecord.length), with: record.encoded())
        #expect(ClaimRecord(parsing: sector) == record)
        sector[ClaimRecord.offset + 10] ^= 0x01  // one flipped bit: the CRC must catch it
        #expect(ClaimRecord(parsing: sector) == nil)
        #expect(ClaimRecord(parsing: [UInt8](repeating: 0, count: 512)) == nil)
        #expect(ClaimRecord(parsing: [UInt8](repeating: 0, count: 100)) == nil)
    }

    @Test func enableWritesTheGuidesBytesAndDropsOldRecords() {
        var sector = [UInt8](repeating: 0x5A, count: 512)
        sector.replaceSubrange(400..<428, with: ClaimRecord(filesystemUUID: Make.oldUUID).encoded())
        let out = MagicHeader.licensed(sector: sector)
        #expect(Array(out[0..<28]) == Self.text + [0x0a])
        #expect(out[28..<440].allSatisfy { $0 == 0 })
        #expect(Array(out[440..<512]) == Array(sector[440..<512]))  // the partition table area is kept
        #expect(BootArea(parsing: out) == BootArea(magic: .exact, claim: nil))
    }

    @Test func uuidText() {
        #expect(UUIDText("11111111-2222-4333-8444-555555555555") != nil)
        #expect(UUIDText("11111111-2222-4333-8444-55555555555") == nil)
        #expect(UUIDText("1111111g-2222-4333-8444-555555555555") == nil)
        let u = UUIDText("0123ABCD-0000-4000-8000-00000000FFFF")!
        #expect(u.text == "0123abcd-0000-4000-8000-00000000ffff")
        #expect(UUIDText(bytes: u.bytes) == u)
    }
}

@Suite struct ParsingTests {
    @Test func mountinfo() {
        let text = """
            22 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            30 22 7:0 / /mnt/light\\040whale rw - ext4 /dev/loop0p1 rw
            31 22 0:40 / /tmp/r/etc rw - overlay overlay rw,lowerdir=/tmp/r/etc
            garbage line
            """
        let entries = MountTable.parse(mountinfo: text)
        #expect(entries.count == 3)
        #expect(entries[0] == MountEntry(deviceNumber: "253:0", mountPoint: "/", type: "ext4", source: "/dev/vda", options: "rw,relatime"))
        #expect(entries[1].mountPoint == "/mnt/light whale")
        #expect(entries[2].type == "overlay")
    }

    @Test func swaps() {
        let text = "Filename\tType\tSize\tUsed\tPriority\n/dev/sdb2                               partition\t1048572\t0\t-2\n"
        #expect(SwapTable.parse(text) == ["/dev/sdb2"])
    }

    @Test(arguments: [
        ("/dev/sda", "/dev/sdb", true), ("/dev/sdb", "/dev/sda", false), ("/dev/sdz", "/dev/sdaa", true),
        ("/dev/vd2", "/dev/vd10", true), ("/dev/loop9", "/dev/loop10", true), ("/dev/sda", "/dev/sda", false),
    ])
    func naturalOrder(a: String, b: String, less: Bool) {
        #expect(Naming.naturalLess(a, b) == less)
    }

    @Test(arguments: [("/dev/sdb", 1, "/dev/sdb1"), ("/dev/nvme0n1", 1, "/dev/nvme0n1p1"), ("/dev/loop3", 2, "/dev/loop3p2")])
    func partitionNodes(disk: String, number: Int, node: String) {
        #expect(PartitionRef.nodePath(disk: disk, number: number) == node)
    }

    @Test func pathsJoin() {
        #expect(Paths.join("/", "etc") == "/etc")
        #expect(Paths.join("/newroot/", "/mnt/x") == "/newroot/mnt/x")
        #expect(Paths.join("/r", "") == "/r")
    }

    @Test(arguments: [(UInt64(0), "0 B"), (1024, "1 KiB"), (1536, "1.5 KiB"), (16 << 30, "16 GiB")])
    func bytes(value: UInt64, text: String) {
        #expect(Bytes(value).description == text)
    }
}

@Suite struct LayoutTests {
    @Test(arguments: [UInt32(512), 4096])
    func spansTheDiskAlignedAtBothEnds(sectorSize: UInt32) throws {
        let size: UInt64 = 700 * Make.MiB
        let l = try #require(Layout.dataPartition(diskSize: size, sectorSize: sectorSize, policy: Make.policy))
        #expect(l.region.offset == Make.MiB)
        #expect(l.region.size % Make.MiB == 0)
        // Leaves room for the backup GPT (16 KiB entries + header) and wastes less than 1 MiB more.
        #expect(l.region.offset + l.region.size <= size - 16 * 1024 - UInt64(sectorSize))
        #expect(size - (l.region.offset + l.region.size) < 2 * Make.MiB)
        #expect(l.typeGUID == "0FC63DAF-8483-4772-8E79-3D69D8477DE4")
        #expect(l.name == "lightwhale-data")
    }

    @Test func noLayoutOnADiskTooSmallForAGPT() {
        #expect(Layout.dataPartition(diskSize: Make.MiB, sectorSize: 512, policy: Make.policy) == nil)
    }
}
