import Testing
@testable import PersistenceCore
import PlanningBuilders

@Suite struct PlannerTests {
    @Test func blankMachineIsVolatileAndWritesNothing() {
        let plan = Make.plan([Make.disk("/dev/sda"), Make.disk("/dev/sdb")])
        #expect(plan.mode == .volatile)
        #expect(plan.actions == Make.volatileActions)
        #expect(plan.writtenDevices.isEmpty)
        #expect(plan.skipped.map(\.device) == ["/dev/sda", "/dev/sdb"])
        #expect(plan.reason(for: "/dev/sda") == .noLicence)
    }

    @Test func magicDiskIsClaimedAndOnlyItIsWritten() {
        let plan = Make.plan([Make.disk("/dev/sda"), Make.disk("/dev/sdb", magic: .exact)])
        #expect(plan.mode == .persistent)
        #expect(plan.actions == Make.claimActions)
        #expect(plan.writtenDevices == ["/dev/sdb", "/dev/sdb1"])  // I1
        #expect(plan.dataDevice == "/dev/sdb1")
        #expect(plan.steps.first == .recordClaim(disk: "/dev/sdb", filesystemUUID: Make.fsUUID))
        #expect(plan.reason(for: "/dev/sda") != nil)
    }

    /// I2: the magic goes last, after the file system is made and verified.
    @Test func magicIsRemovedOnlyAfterTheFileSystemIsVerified() throws {
        let plan = Make.plan([Make.disk("/dev/vdb", magic: .exact)])
        let writes = plan.steps.filter(\.writesDisk).filter { $0.action != .checkFilesystem }
        #expect(writes.last == .completeClaim(disk: "/dev/vdb"))
        let make = try #require(plan.actions.firstIndex(of: .makeFilesystem))
        let verify = try #require(plan.actions.firstIndex(of: .verifyFilesystem))
        let complete = try #require(plan.actions.firstIndex(of: .completeClaim))
        let record = try #require(plan.actions.firstIndex(of: .recordClaim))
        #expect(record < make && make < verify && verify < complete)
    }

    /// Old partitions' regions are wiped too, so their file systems cannot reappear.
    @Test func wipeCoversTheWholeDiskAndEveryOldPartition() {
        let d = Make.gpt(
            Make.disk("/dev/sdc", size: 4 * Make.GiB, magic: .exact),
            [
                Make.part(1, of: "/dev/sdc", start: Make.MiB, size: Make.GiB, fs: Make.ext4(label: "old")),
                Make.part(2, of: "/dev/sdc", start: Make.GiB + Make.MiB, size: Make.GiB, fs: Filesystem(type: "linux_raid_member")),
            ])
        let plan = Make.plan([d])
        #expect(
            plan.steps.contains(
                .wipeSignatures(
                    disk: "/dev/sdc",
                    regions: [
                        Region(offset: 0, size: 4 * Make.GiB), Region(offset: Make.MiB, size: Make.GiB),
                        Region(offset: Make.GiB + Make.MiB, size: Make.GiB),
                    ])))
    }

    @Test(arguments: [
        ("LIGHTWHALE-PLEASE", MagicMatch.nearMiss("the header at byte 0 differs in letter case"), "not one"),
        ("offset", .nearMiss("the header starts at byte 1, not byte 0"), "byte 1"),
    ])
    func nearMissesAreNeverClaimed(_ name: String, magic: MagicMatch, words: String) {
        let plan = Make.plan([Make.disk("/dev/sda", magic: magic)])
        #expect(plan.mode == .volatile)
        #expect(plan.writtenDevices.isEmpty)
        guard case .nearMiss(let why) = magic else { return }
        #expect(plan.reason(for: "/dev/sda") == .nearMiss(why))
        #expect(plan.reason(for: "/dev/sda")?.description.contains(words) == true)
    }

    @Test func magicInsideAPartitionIsNotALicence() {
        var p = Make.part(1, of: "/dev/sda")
        p.header = BootArea(magic: .exact)
        let plan = Make.plan([Make.gpt(Make.disk("/dev/sda"), [p])])
        #expect(plan.mode == .volatile)
        #expect(plan.writtenDevices.isEmpty)
        #expect(plan.reason(for: "/dev/sda1") == .magicInPartition(disk: "/dev/sda"))
    }

    /// I4, one protection at a time, each with its reason.
    @Test(arguments: [
        ("boot medium", Refusal.bootMedium(label: "LIGHTWHALE")), ("mounted", .mounted(points: ["/media/usb"])),
        ("root", .holdsRoot), ("swap", .swap), ("holders", .held(by: ["md0"])), ("read-only", .readOnly),
        ("tiny", .tooSmall(size: 32 * Make.MiB, minimum: Policy.defaultMinimumSize)),
    ])
    func protectedMagicDisksAreNeverWritten(_ kind: String, refusal: Refusal) {
        var d = Make.disk("/dev/sdb", magic: .exact)
        switch kind {
        case "boot medium": d.filesystem = Filesystem(type: "iso9660", label: "LIGHTWHALE")
        case "mounted": d.partitions = [Make.part(1, of: "/dev/sdb", mounted: ["/media/usb"])]
        case "root": d.mountPoints = ["/"]
        case "swap": d.isSwap = true
        case "holders": d.holders = ["md0"]
        case "read-only": d.readOnly = true
        default: d.size = 32 * Make.MiB
        }
        let plan = Make.plan([d])
        #expect(plan.mode == .volatile)
        #expect(plan.writtenDevices.isEmpty)
        #expect(plan.reason(for: "/dev/sdb")?.code == "protected-magic-disk", "\(plan.skipped)")
        #expect(plan.reason(for: "/dev/sdb")?.refusals.contains(refusal) == true, "\(plan.skipped)")
    }

    @Test func existingDataFileSystemIsMountedNotFormatted() {
        let d = Make.gpt(Make.disk("/dev/sdb"), [Make.part(1, of: "/dev/sdb", name: "lightwhale-data", fs: Make.ext4())])
        let plan = Make.plan([Make.disk("/dev/sda"), d])
        #expect(plan.mode == .persistent)
        #expect(plan.actions == [.ensurePartitionNode, .checkFilesystem, .mount, .makeDirectories, .mountOverlay, .mountOverlay, .mountOverlay])
        #expect(!plan.actions.contains(.makeFilesystem))
        #expect(plan.dataDevice == "/dev/sdb1")
    }

    /// A whole-disk file system (no partition table) labelled lightwhale-data also works.
    @Test func unpartitionedDataDisk() {
        var d = Make.disk("/dev/sdb")
        d.filesystem = Make.ext4()
        let plan = Make.plan([d])
        #expect(plan.mode == .persistent)
        #expect(plan.steps.first == .checkFilesystem(partition: nil, device: "/dev/sdb"))
    }

    @Test func dataPlusNewMagicDiskKeepsTheDataAndLeavesTheMagicDiskAlone() {
        let data = Make.gpt(Make.disk("/dev/sda"), [Make.part(1, of: "/dev/sda", fs: Make.ext4())])
        let plan = Make.plan([data, Make.disk("/dev/sdb", magic: .exact)])
        #expect(plan.dataDevice == "/dev/sda1")
        #expect(plan.writtenDevices == ["/dev/sda1"])  // e2fsck -p only
        #expect(plan.reason(for: "/dev/sdb") == .dataAlreadyPresent(on: "/dev/sda1"))
    }

    @Test func twoDataFileSystemsAreAmbiguousAndDegraded() {
        let a = Make.gpt(Make.disk("/dev/sda"), [Make.part(1, of: "/dev/sda", fs: Make.ext4())])
        let b = Make.gpt(Make.disk("/dev/sdb"), [Make.part(1, of: "/dev/sdb", fs: Make.ext4(uuid: Make.fsUUID))])
        let plan = Make.plan([a, b, Make.disk("/dev/sdc", magic: .exact)])
        #expect(plan.mode == .degraded)
        #expect(plan.writtenDevices.isEmpty)
        #expect(plan.decision.contains("will not guess"))
        #expect(plan.actions == Make.volatileActions + [.refusePasswordLogins], "neither owner's settings can be chosen")
        #expect(plan.steps.last == .refusePasswordLogins(path: "/etc/ssh/sshd_config.d/00-lightwhale-degraded.conf"))
        #expect(Set(plan.skipped.map(\.device)).isSuperset(of: ["/dev/sda1", "/dev/sdb1", "/dev/sdc"]))
    }

    /// A data partition whose superblock is gone is found by its name: degraded, never "no
    /// persistence device", and a magic disk beside it waits.
    @Test(arguments: [nil, Filesystem(type: "vfat", label: "STICK")])
    func damagedDataIsDegradedNotVolatile(_ fs: Filesystem?) {
        let damaged = Make.gpt(Make.disk("/dev/sda"), [Make.part(1, of: "/dev/sda", name: "lightwhale-data", fs: fs)])
        let plan = Make.plan([damaged, Make.disk("/dev/sdb", magic: .exact)])
        #expect(plan.mode == .degraded)
        #expect(plan.writtenDevices.isEmpty)
        #expect(plan.actions == Make.volatileActions + [.refusePasswordLogins])
        #expect(plan.reason(for: "/dev/sda1") == .damagedData(type: fs?.type))
        #expect(plan.reason(for: "/dev/sdb") == .dataAlreadyPresent(on: "/dev/sda1"))
        #expect(plan.decision.hasPrefix("degraded: /dev/sda1 is the data partition"))
        // With a good data file system beside it, which of the two is the owner's is a guess.
        let good = Make.gpt(Make.disk("/dev/sdc"), [Make.part(1, of: "/dev/sdc", name: "lightwhale-data", fs: Make.ext4())])
        let both = Make.plan([damaged, good])
        #expect(both.mode == .degraded && both.reason(for: "/dev/sdc1") == .severalDataFileSystems(["/dev/sdc1", "/dev/sda1"]))
    }

    /// When the owner's data file system was in use and failed, the fallback degrades: first
    /// read-only beneath a tmpfs, then (if that fails too) with password logins refused; a failed
    /// claim of a new disk, and a failed volatile plan, have nothing of the owner's to protect.
    @Test func fallbacksDegradeWhereTheOwnersDataWas() throws {
        let data = Make.gpt(Make.disk("/dev/sdb"), [Make.part(1, of: "/dev/sdb", fs: Make.ext4())])
        let plan = Make.plan([data])
        let readOnly = try #require(Planner.fallback(after: plan, failed: .checkFilesystem, why: "check-filesystem failed: e2fsck -p exited 4", policy: Make.policy))
        #expect(readOnly.mode == .degraded)
        #expect(readOnly.actions == [.mountTmpfs, .ensurePartitionNode, .makeDirectories, .mountReadOnly, .makeDirectories, .mountOverlay, .mountOverlay, .mountOverlay])
        #expect(!readOnly.actions.contains(.refusePasswordLogins), "the owner's own sshd settings apply")
        #expect(readOnly.writtenDevices.isEmpty)
        #expect(readOnly.decision.contains("check-filesystem failed") && readOnly.decision.contains("read-only"))
        guard case .mountOverlay(let etc)? = readOnly.steps.first(where: { $0.action == .mountOverlay }) else {
            Issue.record("no overlay")
            return
        }
        #expect(etc.options == "lowerdir=/run/lightwhale/read-only-data/overlay/etc/upper:/etc,upperdir=/mnt/lightwhale-data/overlay/etc/upper,workdir=/mnt/lightwhale-data/overlay/etc/work")
        let locked = try #require(Planner.fallback(after: readOnly, failed: .mountReadOnly, why: "mount-read-only failed: bad superblock", policy: Make.policy))
        #expect(locked.mode == .degraded && locked.actions == Make.volatileActions + [.refusePasswordLogins])
        #expect(Planner.fallback(after: locked, failed: .mountTmpfs, why: "x", policy: Make.policy) == nil)
        let claim = Make.plan([Make.disk("/dev/sdc", magic: .exact)])
        #expect(Planner.fallback(after: claim, failed: .makeFilesystem, why: "x", policy: Make.policy)?.mode == .volatile)
        #expect(Planner.fallback(after: Make.plan([]), failed: .mountTmpfs, why: "x", policy: Make.policy) == nil)
    }

    /// I3, reuse: a fresh magic on an old persistence disk (no record) licenses erasing it.
    @Test func freshMagicOnAnOldDataDiskReformatsIt() {
        let d = Make.gpt(
            Make.disk("/dev/sdb", magic: .exact),
            [Make.part(1, of: "/dev/sdb", name: "lightwhale-data", fs: Make.ext4(uuid: Make.oldUUID))])
        let plan = Make.plan([d])
        #expect(plan.actions == Make.claimActions)
        #expect(plan.steps.contains(.makeFilesystem(partition: PartitionRef(disk: "/dev/sdb", number: 1, region: Region(offset: Make.MiB, size: 16 * Make.GiB - 2 * Make.MiB)), label: "lightwhale-data", uuid: Make.fsUUID)))
    }

    /// I3, resume: our own finished file system is kept; only the magic is removed.
    @Test func interruptedClaimWithAFinishedFileSystemIsOnlyFinished() {
        let d = Make.gpt(
            Make.disk("/dev/sdb", magic: .exact, claim: Make.oldUUID),
            [Make.part(1, of: "/dev/sdb", name: "lightwhale-data", fs: Make.ext4(uuid: Make.oldUUID))])
        let plan = Make.plan([d])
        #expect(plan.actions.prefix(3) == [.completeClaim, .ensurePartitionNode, .checkFilesystem])
        #expect(!plan.actions.contains(.makeFilesystem))
        #expect(plan.decision.contains("finish the interrupted claim"))
    }

    @Test(arguments: [
        ("other UUID", Make.ext4(uuid: Make.fsUUID)), ("unfinished", Make.ext4(uuid: Make.oldUUID, valid: false)),
        ("errors", Make.ext4(uuid: Make.oldUUID, errors: true)), ("no fs", nil as Filesystem?),
    ])
    func interruptedClaimWithoutAFinishedFileSystemIsRedone(_ name: String, fs: Filesystem?) {
        let d = Make.gpt(
            Make.disk("/dev/sdb", magic: .exact, claim: Make.oldUUID),
            [Make.part(1, of: "/dev/sdb", name: "lightwhale-data", fs: fs)])
        let plan = Make.plan([d])
        #expect(plan.actions == Make.claimActions)
        #expect(plan.decision.contains("redo"))
    }

    @Test func pleaseFormatMePartitionIsFormattedAndItsSiblingsAreNotTouched() {
        let d = Make.gpt(
            Make.disk("/dev/nvme0n1"),
            [
                Make.part(1, of: "/dev/nvme0n1", start: Make.MiB, size: Make.GiB, name: "EFI", fs: Filesystem(type: "vfat")),
                Make.part(2, of: "/dev/nvme0n1", start: Make.GiB + Make.MiB, size: 4 * Make.GiB, name: "lightwhale-please-format-me"),
                Make.part(3, of: "/dev/nvme0n1", start: 6 * Make.GiB, size: 4 * Make.GiB, name: "home", fs: Make.ext4(label: "home"), mounted: ["/home"]),
            ])
        let plan = Make.plan([d])
        #expect(plan.mode == .persistent)
        #expect(plan.dataDevice == "/dev/nvme0n1p2")
        #expect(
            plan.actions.prefix(6) == [
                .markPartition, .wipeSignatures, .ensurePartitionNode, .makeFilesystem, .verifyFilesystem,
                .completePartitionClaim,
            ])
        let region = Region(offset: Make.GiB + Make.MiB, size: 4 * Make.GiB)
        // The wipe names the disk but reaches only the partition's bytes.
        #expect(plan.steps.contains(.wipeSignatures(disk: "/dev/nvme0n1", regions: [region])))
        #expect(plan.writtenDevices == ["/dev/nvme0n1", "/dev/nvme0n1p2"])
    }

    @Test func pleaseFormatMePartitionWhoseFileSystemIsFinishedIsOnlyRenamed() {
        let d = Make.gpt(
            Make.disk("/dev/sda"),
            [Make.part(1, of: "/dev/sda", name: "lightwhale-please-format-me", uuid: Make.oldUUID, fs: Make.ext4(uuid: Make.oldUUID))])
        let plan = Make.plan([d])
        #expect(plan.actions.first == .completePartitionClaim)
        #expect(!plan.actions.contains(.makeFilesystem))
    }

    @Test func mountedPleaseFormatMePartitionIsRefused() {
        let d = Make.gpt(Make.disk("/dev/sda"), [Make.part(1, of: "/dev/sda", name: "lightwhale-please-format-me", mounted: ["/srv"])])
        let plan = Make.plan([d])
        #expect(plan.writtenDevices.isEmpty)
        #expect(plan.reason(for: "/dev/sda1") == .protectedNamedPartition([.mounted(points: ["/srv"])]))
    }

    /// I6: one claim per boot, chosen by a rule, the others told why.
    @Test func severalCandidatesAreChosenDeterministically() {
        let plan = Make.plan([Make.disk("/dev/sdc", magic: .exact), Make.disk("/dev/sdb", magic: .exact)])
        #expect(plan.dataDevice == "/dev/sdb1")
        #expect(plan.reason(for: "/dev/sdc") == .anotherClaimFirst("/dev/sdb"))
        // The same inventory in another order gives the same plan.
        #expect(plan == Make.plan([Make.disk("/dev/sdb", magic: .exact), Make.disk("/dev/sdc", magic: .exact)]))
    }

    @Test func aClaimUnderWayComesFirst() {
        let resumed = Make.disk("/dev/sdc", magic: .exact, claim: Make.oldUUID)
        let plan = Make.plan([Make.disk("/dev/sdb", magic: .exact), resumed])
        #expect(plan.steps.first?.device == "/dev/sdc")
    }

    /// I5: a second run finds everything in place and does nothing.
    @Test func alreadyMountedDoesNothing() {
        let mounts = [
            MountEntry(deviceNumber: "8:17", mountPoint: "/mnt/lightwhale-data", type: "ext4", source: "/dev/sdb1"),
            MountEntry(deviceNumber: "0:50", mountPoint: "/etc", type: "overlay", source: "overlay"),
            MountEntry(deviceNumber: "0:51", mountPoint: "/home", type: "overlay", source: "overlay"),
            MountEntry(deviceNumber: "0:52", mountPoint: "/var/www", type: "overlay", source: "overlay"),
        ]
        let plan = Make.plan([Make.disk("/dev/sdc", magic: .exact)], mounts: mounts)
        #expect(plan.steps.isEmpty)
        #expect(plan.mode == .persistent)
        #expect(plan.reason(for: "/dev/sdc") == .alreadySetUp(mountPoint: "/mnt/lightwhale-data"))
        let partial = Make.plan([], mounts: Array(mounts.prefix(2)))
        #expect(partial.actions == [.makeDirectories, .mountOverlay, .mountOverlay])
    }

    @Test func noMountPolicyOnlyClaims() {
        var policy = Make.policy
        policy.mount = false
        let plan = Make.plan([Make.disk("/dev/sdb", magic: .exact)], policy: policy)
        #expect(plan.actions == Array(Make.claimActions.prefix(7)))
        #expect(Make.plan([Make.disk("/dev/sdb")], policy: policy).steps.isEmpty)
    }

    @Test func rootPrefixesEveryPath() {
        var policy = Make.policy
        policy.root = "/newroot"
        let plan = Make.plan([], policy: policy)
        #expect(plan.steps.first == .mountTmpfs(target: "/newroot/mnt/lightwhale-data"))
        #expect(plan.steps.last == .mountOverlay(OverlaySpec(target: "/newroot/var/www", upper: "/newroot/mnt/lightwhale-data/overlay/var/www/upper", work: "/newroot/mnt/lightwhale-data/overlay/var/www/work")))
    }

    @Test func dataLabelOnAnotherFileSystemTypeIsNotUsed() {
        var d = Make.disk("/dev/sda")
        d.filesystem = Filesystem(type: "xfs", label: "lightwhale-data")
        let plan = Make.plan([d])
        #expect(plan.mode == .volatile)
        #expect(plan.reason(for: "/dev/sda") == .dataNotExt4(type: "xfs"))
    }

    @Test func unreadableDevicesAreReported() {
        let plan = Planner.plan(Inventory(disks: [], unreadable: [Skip(device: "/dev/sdz", reason: .unreadable(detail: "EIO"))]), policy: Make.policy)
        #expect(plan.reason(for: "/dev/sdz") == .unreadable(detail: "EIO"))
    }

    /// Every plan the planner can make writes only devices that carry a licence (I1), over a
    /// table of mixed machines.
    @Test func onlyLicensedDevicesAreEverWritten() {
        let machines: [[Disk]] = [
            [Make.disk("/dev/sda", magic: .nearMiss("x")), Make.disk("/dev/sdb", magic: .exact)],
            [Make.gpt(Make.disk("/dev/sda"), [Make.part(1, of: "/dev/sda", name: "lightwhale-please-format-me")]), Make.disk("/dev/sdb")],
            [Make.gpt(Make.disk("/dev/sda"), [Make.part(1, of: "/dev/sda", name: "Lightwhale-Please-Format-Me")])],
        ]
        let licensed: [Set<String>] = [["/dev/sdb", "/dev/sdb1"], ["/dev/sda", "/dev/sda1"], []]
        for (disks, allowed) in zip(machines, licensed) {
            #expect(Make.plan(disks).writtenDevices.isSubset(of: allowed))
        }
    }

    /// A crafted table is refused before a claim's first write, with its reasons: an entry array
    /// no real GPT has, a partition number the kernel cannot register, a named partition that
    /// overlaps a sibling or runs past the end of the disk.
    @Test func craftedTablesAreRefusedBeforeAnyWrite() {
        func named(_ n: Int, start: UInt64 = Make.MiB, size: UInt64 = Make.GiB) -> Partition {
            Make.part(n, of: "/dev/sdb", start: start, size: size, name: "lightwhale-please-format-me")
        }
        var huge = Make.gpt(Make.disk("/dev/sdb"), [named(300)])
        huge.partitionTable?.gptHeader = GPTHeader(entries: 4096, entrySize: 128)
        let odd = Make.gpt(Make.disk("/dev/sdb"), [named(1), Make.part(2, of: "/dev/sdb", start: 512 * Make.MiB, size: Make.GiB)])
        var wide = Make.gpt(Make.disk("/dev/sdb"), [named(1)])
        wide.partitionTable?.gptHeader = GPTHeader(entries: 128, entrySize: 256)
        let cases: [(Disk, String, [Refusal])] = [
            (huge, "/dev/sdb300", [.craftedTable(GPTHeader(entries: 4096, entrySize: 128)), .numberTooHigh(300)]),
            (odd, "/dev/sdb1", [.overlaps(partition: 2)]),
            (Make.gpt(Make.disk("/dev/sdb"), [named(1, size: 100 * Make.GiB)]), "/dev/sdb1", [.pastEnd]),
            (wide, "/dev/sdb1", [.craftedTable(GPTHeader(entries: 128, entrySize: 256))]),
        ]
        for (disk, device, refusals) in cases {
            let plan = Make.plan([disk])
            #expect(plan.mode == .volatile && plan.writtenDevices.isEmpty, "\(plan.steps)")
            #expect(plan.reason(for: device) == .protectedNamedPartition(refusals), "\(plan.skipped)")
        }
        #expect(GPTHeader(parsing: Array("EFI PART".utf8) + [UInt8](repeating: 0, count: 72) + [0x80, 0, 0, 0, 0x80, 0, 0, 0]) == GPTHeader(entries: 128, entrySize: 128))
        #expect(GPTHeader(parsing: [UInt8](repeating: 0, count: 512)) == nil)
    }

    /// The words are a contract (JSON, logs, `--fault-after`, the fixture script): fixed here.
    @Test func actionWordsAreStable() throws {
        #expect(Step.Action.allCases.map(\.rawValue) == [
            "record-claim", "wipe-signatures", "write-partition-table", "mark-partition", "ensure-partition-node",
            "make-filesystem", "verify-filesystem", "complete-claim", "complete-partition-claim", "check-filesystem",
            "mount", "mount-read-only", "mount-tmpfs", "make-directories", "mount-overlay", "refuse-password-logins",
        ])
        #expect("\(Step.Action.makeFilesystem)" == "make-filesystem")
        #expect(Step.Action(rawValue: "format") == nil)
    }

    /// Size and table type forbid formatting, not using: a small data partition on an MBR disk is
    /// mounted, while a mounted one is refused whatever its size.
    @Test func refusalsThatOnlyForbidFormattingDoNotStopADataFileSystem() {
        var d = Make.gpt(Make.disk("/dev/sdb"), [Make.part(1, of: "/dev/sdb", size: 32 * Make.MiB, fs: Make.ext4())])
        d.partitionTable = PartitionTable(type: "dos")
        let plan = Make.plan([d])
        #expect(plan.mode == .persistent)
        #expect(plan.dataDevice == "/dev/sdb1")
        d.partitions[0].mountPoints = ["/srv"]
        #expect(Make.plan([d]).reason(for: "/dev/sdb1") == .protectedData([.mounted(points: ["/srv"])]))
    }

    /// A data file system that I4 forbids using is still the owner's: alone it degrades the boot
    /// as damaged data does (nothing of it mounted, password logins refused), never volatile,
    /// which would bring back the image's published password; a magic disk beside it waits.
    @Test(arguments: [
        ("read-only disk", Refusal.onReadOnlyDisk), ("mounted elsewhere", .mounted(points: ["/srv"])),
        ("held", .held(by: ["dm-0"])),
    ])
    func protectedDataIsDegradedNotVolatile(_ kind: String, refusal: Refusal) {
        var d = Make.dataDisk("/dev/sdb")
        switch kind {
        case "read-only disk": d.readOnly = true
        case "mounted elsewhere": d.partitions[0].mountPoints = ["/srv"]
        default: d.partitions[0].holders = ["dm-0"]
        }
        let plan = Make.plan([d, Make.disk("/dev/sdc", magic: .exact)])
        #expect(plan.mode == .degraded, "\(plan.decision)")
        #expect(plan.writtenDevices.isEmpty)
        #expect(plan.actions == Make.volatileActions + [.refusePasswordLogins])
        #expect(plan.dataDevice == nil, "nothing of it is mounted")
        #expect(plan.reason(for: "/dev/sdb1") == .protectedData([refusal]))
        #expect(plan.reason(for: "/dev/sdc") == .dataAlreadyPresent(on: "/dev/sdb1"))
        #expect(plan.decision.hasPrefix("degraded: /dev/sdb1 holds a lightwhale-data file system, but it is not used because \(refusal)"))
        // Beside a usable one, which of the two is the owner's is a guess.
        let both = Make.plan([d, Make.dataDisk("/dev/sda", uuid: Make.fsUUID)])
        #expect(both.mode == .degraded && both.reason(for: "/dev/sda1") == .severalDataFileSystems(["/dev/sda1", "/dev/sdb1"]))
        #expect(both.actions == Make.volatileActions + [.refusePasswordLogins])
    }

    /// The trust rule: the one data file system attached is trusted as the owner's, on any bus;
    /// a second one, on a removable (USB, SD) disk beside a fixed one or not, is ambiguity: degraded.
    @Test func aRemovableDataDiskIsUsedAloneButNotBesideAFixedOne() {
        let stick = Make.dataDisk("/dev/sda", uuid: Make.fsUUID, removable: true)
        let fixed = Make.dataDisk("/dev/sdb")
        let both = Make.plan([stick, fixed])
        #expect(both.mode == .degraded)
        #expect(both.dataDevice == nil && both.writtenDevices.isEmpty)
        #expect(both.actions == Make.volatileActions + [.refusePasswordLogins], "neither disk's settings are chosen")
        #expect(both.reason(for: "/dev/sda1") == .severalDataFileSystems(["/dev/sda1", "/dev/sdb1"]))
        #expect(both.reason(for: "/dev/sdb1") == .severalDataFileSystems(["/dev/sda1", "/dev/sdb1"]))
        let alone = Make.plan([stick])
        #expect(alone.mode == .persistent && alone.dataDevice == "/dev/sda1")
        #expect(alone.actions == [.ensurePartitionNode, .checkFilesystem, .mount, .makeDirectories, .mountOverlay, .mountOverlay, .mountOverlay])
    }
}
