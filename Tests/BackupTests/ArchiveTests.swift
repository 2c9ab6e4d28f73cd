import PersistenceCore
import Testing

@testable import Backup

/// The rules a restore holds an archive to, on archives made member by member.
@Suite struct ArchiveTests {
    let manifest = BackupManifest(version: "2.1.3", created: "2026-12-03T00:00:00Z", host: "h", withImages: false, contents: ["overlay/etc/upper"], paused: [])

    func member(_ name: String, _ bytes: [UInt8]) -> [UInt8] { TarScanner.fileMember(name: name, contents: bytes, mtime: 0) }

    func read(_ archive: [UInt8]) throws -> ArchiveReader {
        var reader = ArchiveReader()
        try reader.feed(archive[...])
        return reader
    }

    /// SHA-256 of the two contents used here, as sha256sum prints them.
    static let known: [String: String] = [
        "hello": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ]

    func sums(_ files: [(String, String)]) -> [UInt8] {
        BackupSums(files: files.map { .init(path: $0.0, size: UInt64($0.1.utf8.count), sha256: Self.known[$0.1]!) }).encoded()
    }

    @Test func aWholeArchiveMatchesItsSums() throws {
        let a = Array("hello".utf8)
        let archive = member(BackupManifest.name, manifest.encoded()) + member("overlay/etc/upper/motd", a)
            + member(BackupSums.name, sums([("overlay/etc/upper/motd", "hello")])) + TarScanner.endBlocks
        let reader = try read(archive)
        #expect(try reader.verdict() == manifest)
        #expect(reader.read.files.map(\.path) == ["overlay/etc/upper/motd"])
    }

    @Test func aFileThatDiffersFromItsSumIsNamed() throws {
        let archive = member(BackupManifest.name, manifest.encoded()) + member("overlay/etc/upper/motd", Array("hellO".utf8))
            + member(BackupSums.name, sums([("overlay/etc/upper/motd", "hello"), ("overlay/etc/upper/gone", "")])) + TarScanner.endBlocks
        #expect(throws: BackupError.mismatch(["overlay/etc/upper/motd differs from its listed SHA-256", "overlay/etc/upper/gone is listed but missing"])) {
            try read(archive).verdict()
        }
    }

    @Test func anArchiveCutShortIsDamaged() throws {
        let whole = member(BackupManifest.name, manifest.encoded()) + member("overlay/etc/upper/motd", [1, 2, 3])
        #expect(throws: BackupError.damaged("it has no lightwhale-backup.sums: cut short, or not made by lwctl backup")) {
            try read(whole + TarScanner.endBlocks).verdict()
        }
        #expect(throws: BackupError.damaged("it ends at byte \(whole.count), before tar's end: cut short")) { try read(whole).verdict() }
    }

    @Test func theManifestComesFirst() throws {
        #expect(throws: BackupError.notABackup("its first member is etc/passwd, not lightwhale-backup.json")) {
            try read(member("etc/passwd", [1]))
        }
    }

    @Test(arguments: ["../etc/shadow", "/etc/shadow", "etc/shadow", "overlay/etc/upper/../../../x", "docker/volumes/./v", "overlayfs/x", "overlay/etc/work/x"])
    func pathsOutsideABackupAreRefusedBeforeTarSeesThem(path: String) throws {
        var archive = member(BackupManifest.name, manifest.encoded())
        let name = Array(path.utf8)
        var header = member("placeholder", [1])
        header.replaceSubrange(0..<100, with: name + [UInt8](repeating: 0, count: 100 - name.count))
        header.replaceSubrange(148..<156, with: [UInt8](repeating: 0x20, count: 8))
        let digits = Array(String(TarScanner.checksum(Array(header[0..<512])), radix: 8).utf8)
        header.replaceSubrange(148..<156, with: [UInt8](repeating: 0x30, count: 6 - digits.count) + digits + [0, 0x20])
        archive += header
        #expect(throws: BackupError.unsafePath(TarScanner.normalized(path))) { try read(archive) }
    }

    @Test func nothingFollowsTheSums() throws {
        let archive = member(BackupManifest.name, manifest.encoded()) + member(BackupSums.name, sums([])) + member("overlay/home/upper/x", [1])
        #expect(throws: BackupError.damaged("overlay/home/upper/x follows lightwhale-backup.sums, which ends a backup")) { try read(archive) }
    }

    @Test func aManifestOfAnotherFormatOrProductIsNotABackup() throws {
        var m = manifest
        m.format = 2
        #expect(throws: BackupError.notABackup("format 2, and this lwctl reads format 1: restore it with a newer Lightwhale")) {
            try BackupManifest.parse(m.encoded())
        }
        m = manifest
        m.contents = ["../../etc"]
        #expect(throws: BackupError.unsafePath("../../etc")) { try BackupManifest.parse(m.encoded()) }
    }
}

@Suite struct BackupPlanTests {
    let policy = Policy(root: "/", filesystemUUID: "", partitionUUID: "", diskUUID: "")

    @Test func whatIsCopied() {
        #expect(BackupPlan.contents(withImages: false) == ["overlay/etc/upper", "overlay/home/upper", "overlay/var/www/upper", "docker/volumes"])
        #expect(BackupPlan.contents(withImages: true).last == "docker")
    }

    @Test func anArchiveWrittenOnTheDataDiskLeavesItselfOut() {
        #expect(BackupPlan.member(forOutput: "/home/op/b.tar.zst.part", policy: policy) == "overlay/home/upper/op/b.tar.zst.part")
        #expect(BackupPlan.member(forOutput: "/var/www/b", policy: policy) == "overlay/var/www/upper/b")
        #expect(BackupPlan.member(forOutput: "/mnt/lightwhale-data/b", policy: policy) == "b")
        #expect(BackupPlan.member(forOutput: "/tmp/b", policy: policy) == nil)
        #expect(BackupPlan.member(forOutput: "/homer/b", policy: policy) == nil)
    }

    @Test func tarIsAskedForPaxXattrsAndNoWildcardsInExclusions() {
        let argv = BackupPlan.createArguments(staging: "/run/s", control: ["m"], dataRoot: "/d", members: ["docker"], exclude: ["overlay/home/upper/a*b"])
        #expect(argv.starts(with: ["tar", "--create", "--file=-", "--format=posix"]))
        #expect(argv.contains("--xattrs-include=*") && argv.contains("--one-file-system"))
        let i = argv.firstIndex(of: "--no-wildcards")
        #expect(i != nil && i! < argv.firstIndex(of: "--exclude=overlay/home/upper/a*b")!)
        #expect(Array(argv.suffix(5)) == ["--directory=/run/s", "m", "--directory=/d", "--", "docker"])
    }
}

@Suite struct RestoringTests {
    @Test func theDiskIsMadeUnderNamesNoBootTakesForData() throws {
        let disk = Disk(path: "/dev/sdb", size: 1 << 30)
        let policy = Policy(root: "/", filesystemUUID: "11111111-1111-1111-1111-111111111111", partitionUUID: "22222222-2222-2222-2222-222222222222", diskUUID: "33333333-3333-3333-3333-333333333333")
        let (steps, ref) = try #require(Restoring.steps(for: disk, policy: policy, target: "/run/r"))
        #expect(steps.map(\.action) == [.wipeSignatures, .writePartitionTable, .completeClaim, .ensurePartitionNode, .makeFilesystem, .verifyFilesystem, .makeDirectories, .mount])
        guard case .writePartitionTable(_, let layout) = steps[1], case .makeFilesystem(_, let label, _) = steps[4] else { Issue.record("steps"); return }
        #expect(layout.name == "lightwhale-restoring" && label == "lw-restoring")
        #expect(label != Policy.dataLabel && layout.name != Policy.dataPartitionName)
        guard case .completePartitionClaim(let p, let name, _) = Restoring.finishing(ref, policy: policy) else { Issue.record("finishing"); return }
        #expect(p == ref && name == Policy.dataPartitionName)
        #expect(Restoring.steps(for: Disk(path: "/dev/sdc", size: 1 << 20), policy: policy, target: "/run/r") == nil)
    }
}
