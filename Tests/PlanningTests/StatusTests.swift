import Testing
@testable import PersistenceCore
import PlanningBuilders

/// `lwctl status`'s decision, from the mount table and the saved report alone.
@Suite struct StatusTests {
    static let data = "/mnt/lightwhale-data"

    static func report(mode: Mode = .volatile, decision: String, fallback: String? = nil) -> ClaimReport {
        ClaimReport(
            mode: mode, decision: decision, dataDevice: nil, dataMountPoint: data, dockerDataRoot: data + "/docker",
            dryRun: false, time: 0, steps: [], skipped: [], fallback: fallback, ok: true)
    }

    static func mount(_ point: String, type: String, source: String) -> MountEntry {
        MountEntry(deviceNumber: "0:1", mountPoint: point, type: type, source: source)
    }

    static let usage = SystemStatus.Usage(size: 1000, free: 400)

    static func derive(_ mounts: [MountEntry], report: ClaimReport? = nil) -> SystemStatus {
        SystemStatus.derive(policy: Make.policy, mounts: mounts, report: report, usage: usage, dockerDataRoot: data + "/docker")
    }

    @Test func nothingMountedIsUnset() {
        let s = Self.derive([], report: Self.report(decision: "volatile: no persistence device"))
        #expect(s.mode == .unset && s.reason == .notClaimed(mountPoint: Self.data))
        #expect(s.usage == nil && s.dataDevice == nil && s.filesystem == nil)
        #expect(s.overlays.map(\.active) == [false, false, false])
    }

    @Test func aTmpfsIsVolatileForTheReasonTheReportGives() {
        let tmpfs = [Self.mount(Self.data, type: "tmpfs", source: "tmpfs")]
        let fellBack = Self.derive(tmpfs, report: Self.report(decision: "volatile: x", fallback: "check-filesystem failed: e2fsck"))
        #expect(fellBack.mode == .volatile && fellBack.reason == .fellBack("check-filesystem failed: e2fsck"))
        let decided = Self.derive(tmpfs, report: Self.report(decision: "volatile: no persistence device (…)"))
        #expect(decided.reason == .decidedVolatile("volatile: no persistence device (…)"))
        let unknown = Self.derive(tmpfs)
        #expect(unknown.reason == .noPersistenceDevice)
        #expect(unknown.dataDevice == nil && unknown.filesystem == "tmpfs" && unknown.usage == Self.usage)
    }

    @Test func aDegradedClaimIsDegradedAndSaysWhetherPasswordsAreOff() {
        let tmpfs = [Self.mount(Self.data, type: "tmpfs", source: "tmpfs")]
        var report = Self.report(mode: .degraded, decision: "degraded: two data disks")
        let readOnly = Self.derive(tmpfs, report: report)
        #expect(readOnly.mode == .degraded && readOnly.reason == .degraded("degraded: two data disks", passwordLoginsRefused: false))
        #expect(readOnly.reason.code == "degraded")
        report.steps = [.init(action: .refusePasswordLogins, device: nil, path: "/etc/x", summary: "", result: "done")]
        let locked = Self.derive(tmpfs, report: report)
        #expect(locked.reason == .degraded("degraded: two data disks", passwordLoginsRefused: true))
        #expect(locked.reason.description == "degraded: two data disks; changes are lost at reboot; password logins over SSH are off this boot (log in on the console)")
        // A report that is not this boot's mount (a persistent mount) does not make it degraded.
        #expect(Self.derive([Self.mount(Self.data, type: "ext4", source: "/dev/sdb1")], report: report).mode == .persistent)
    }

    @Test func aMountedDataFileSystemIsPersistentWithItsOverlays() {
        let s = Self.derive([
            Self.mount(Self.data, type: "ext4", source: "/dev/sdb1"), Self.mount("/etc", type: "overlay", source: "overlay"),
            Self.mount("/var/www", type: "overlay", source: "overlay"),
        ])
        #expect(s.mode == .persistent && s.reason == .mounted(source: "/dev/sdb1", mountPoint: Self.data))
        #expect(s.dataDevice == "/dev/sdb1" && s.usage?.used == 600)
        #expect(s.overlays == [.init(path: "/etc", active: true), .init(path: "/home", active: false), .init(path: "/var/www", active: true)])
    }

    /// The words people read, pinned once.
    @Test func reasonText() {
        #expect(SystemStatus.Reason.notClaimed(mountPoint: "/mnt/lightwhale-data").description == "nothing is mounted at /mnt/lightwhale-data: `lwctl claim` has not run this boot")
        #expect(SystemStatus.Reason.noPersistenceDevice.description == "volatile: no persistence device; changes are lost at reboot. To enable persistence, run `sudo lwctl enable /dev/sdX` (whole disk, erased at the next boot) and reboot")
        #expect(SystemStatus.Reason.decidedVolatile("volatile: x").description == "volatile: x; changes are lost at reboot. To enable persistence, run `sudo lwctl enable /dev/sdX` and reboot")
    }
}
