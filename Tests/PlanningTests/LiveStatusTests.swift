import Testing
@testable import PersistenceCore
import PlanningBuilders

/// What `lwctl status` makes of what happened after the boot's claim: a full data file system,
/// a data disk pulled out, a data file system turned read-only. Pure: the facts are given.
@Suite struct LiveStatusTests {
    static let data = "/mnt/lightwhale-data"
    static let ext4 = [MountEntry(deviceNumber: "8:17", mountPoint: data, type: "ext4", source: "/dev/sdb1")]
    static let tmpfs = [MountEntry(deviceNumber: "0:42", mountPoint: data, type: "tmpfs", source: "tmpfs")]
    static let persistentReport = ClaimReport(
        mode: .persistent, decision: "mount the data file system on /dev/sdb1", dataDevice: "/dev/sdb1", dataMountPoint: data,
        dockerDataRoot: data + "/docker", dryRun: false, time: 0, steps: [], skipped: [], fallback: nil, ok: true)

    static func derive(
        _ mounts: [MountEntry], usage: SystemStatus.Usage = .init(size: 1 << 30, free: 512 << 20),
        health: SystemStatus.MountHealth = .init()
    ) -> SystemStatus {
        SystemStatus.derive(
            policy: Make.policy, mounts: mounts, report: persistentReport, usage: usage, health: health,
            dockerDataRoot: data + "/docker")
    }

    // MARK: full

    /// 1% of the size or 64 MiB, whichever is smaller: a small disk is not full at a tenth free,
    /// a big one is not full with gigabytes left.
    @Test(arguments: [
        (700 * Make.MiB, 6 * Make.MiB, true), (700 * Make.MiB, 8 * Make.MiB, false),
        (1 << 40, 63 * Make.MiB, true), (1 << 40, 65 * Make.MiB, false), (1 << 40, Make.GiB, false),
        (128 * Make.MiB, 0, true), (0, 0, false),
    ])
    func fullIsBelowOnePercentOr64MiB(size: UInt64, free: UInt64, full: Bool) {
        #expect(SystemStatus.Usage(size: size, free: free).isFull == full)
    }

    @Test func aFullDataFileSystemIsWarnedAboutAndStaysPersistent() {
        let s = Self.derive(Self.ext4, usage: .init(size: 700 * Make.MiB, free: 2 * Make.MiB))
        #expect(s.mode == .persistent && s.reason.code == "mounted")
        #expect(s.warnings == [.full(free: 2 * Make.MiB, size: 700 * Make.MiB, inMemory: false)])
        #expect(s.warnings[0].code == "data-full")
        #expect(s.warnings[0].description.hasPrefix("the data file system is full: 2 MiB of 700 MiB left for users other than root"))
        #expect(s.warnings[0].description.contains("docker system prune"), "says what to do")
        #expect(Self.derive(Self.ext4).warnings.isEmpty, "half free is not full")
    }

    @Test func aFullTmpfsSaysItIsMemory() {
        let s = Self.derive(Self.tmpfs, usage: .init(size: Make.GiB, free: 0))
        #expect(s.warnings == [.full(free: 0, size: Make.GiB, inMemory: true)])
        #expect(s.warnings[0].description.contains("in RAM") && s.warnings[0].description.contains("reboot"))
        #expect(Self.derive([], usage: .init(size: Make.GiB, free: 0)).warnings.isEmpty, "nothing mounted: nothing to measure")
    }

    // MARK: degraded since the boot

    @Test func aDataDiskGoneSinceTheBootIsDegraded() {
        let s = Self.derive(Self.ext4, health: .init(deviceGone: true))
        #expect(s.mode == .degraded)
        #expect(s.reason == .dataDiskGone(source: "/dev/sdb1", mountPoint: Self.data))
        #expect(s.reason.code == "data-disk-gone")
        #expect(s.dataDevice == "/dev/sdb1", "names the disk that went")
        #expect(s.reason.description.contains("has disappeared since the boot"))
        #expect(s.reason.description.contains("Reattach the disk and reboot"))
        // ext4 turns a vanished disk's mount read-only too: the cause, not the symptom, is named.
        #expect(Self.derive(Self.ext4, health: .init(readOnly: true, deviceGone: true)).reason.code == "data-disk-gone")
    }

    @Test func aDataFileSystemTurnedReadOnlyIsDegraded() {
        let s = Self.derive(Self.ext4, health: .init(readOnly: true))
        #expect(s.mode == .degraded)
        #expect(s.reason == .dataReadOnly(source: "/dev/sdb1", mountPoint: Self.data))
        #expect(s.reason.code == "data-read-only")
        #expect(s.reason.description.contains("errors=remount-ro") && s.reason.description.contains("reboot"))
        #expect(s.overlays.count == 3 && s.usage != nil, "the rest is still shown")
    }

    /// Read-only, however the kernel shows it: a read-only mount or superblock (statvfs, `ro`),
    /// ext4's `emergency_ro` (Linux 6.15+), or on 6.12 (which shows neither after an error) an
    /// error ext4 recorded while its errors behaviour is remount-ro. Not an error under
    /// errors=continue, nor the option `errors=remount-ro` alone.
    @Test(arguments: [
        (false, "rw", nil, false), (true, "rw", nil, true), (false, "ro", nil, true), (false, "rw,emergency_ro", nil, true),
        (false, "rw,errors=remount-ro", nil, false),
        (false, "rw", SystemStatus.MountHealth.Ext4Facts(errorCount: 1, options: "rw\nnodev\nerrors=remount-ro\ncommit=5\n"), true),
        (false, "rw", .init(errorCount: 0, options: "rw\nerrors=remount-ro\n"), false),
        (false, "rw", .init(errorCount: 3, options: "rw\nerrors=continue\n"), false),
    ] as [(Bool, String, SystemStatus.MountHealth.Ext4Facts?, Bool)])
    func readOnlyAsEachKernelShowsIt(statvfs: Bool, superOptions: String, ext4: SystemStatus.MountHealth.Ext4Facts?, readOnly: Bool) {
        #expect(SystemStatus.MountHealth.readOnly(statvfsReadOnly: statvfs, superOptions: superOptions, ext4: ext4) == readOnly)
    }

    /// The facts only count for a data file system on a disk: a healthy one is persistent, and a
    /// tmpfs has no device to lose (the claim's own decision stands).
    @Test func healthOnlyJudgesADataFileSystemOnADisk() {
        #expect(Self.derive(Self.ext4).mode == .persistent)
        let t = Self.derive(Self.tmpfs, health: .init(readOnly: true, deviceGone: true))
        #expect(t.mode == .volatile && t.reason.code == "decided-volatile")
        #expect(Self.derive([], health: .init(deviceGone: true)).mode == .unset)
    }
}
