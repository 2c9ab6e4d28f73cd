import Testing
@testable import PersistenceKit
import PlanningBuilders

/// `lwctl claim --wait`: probing again while nothing is found, on a clock the pauses advance.
@Suite struct WaitTests {
    final class Clock: @unchecked Sendable { var ms = 0 }

    /// A pipeline whose probe finds `disks(n)` at its n-th call, and whose pause advances the clock.
    static func pipeline(
        wait: Double, log: @escaping (String) -> Void = { _ in }, probes: Counter = Counter(), disks: @escaping (Int) -> [Disk]
    ) -> (ClaimPipeline, Clock) {
        let clock = Clock()
        let pipeline = ClaimPipeline(
            inventory: {
                probes.n += 1
                return Inventory(disks: disks(probes.n))
            },
            executor: RecordingExecutor(), log: log,
            clock: ClaimClock(now: { 0 }, milliseconds: { clock.ms }), wait: wait,
            pause: { clock.ms += Int($0 * 1000) })
        return (pipeline, clock)
    }

    final class Counter { var n = 0 }

    @Test func aDiskThatAppearsLateIsClaimed() throws {
        var lines: [String] = []
        let probes = Counter()
        let (pipeline, clock) = Self.pipeline(wait: 30, log: { lines.append($0) }, probes: probes) {
            $0 < 5 ? [Make.disk("/dev/vda")] : [Make.disk("/dev/vda"), Make.disk("/dev/sdb", magic: .exact)]
        }
        let report = try pipeline.run(policy: Make.policy)
        #expect(report.mode == .persistent && report.dataDevice == "/dev/sdb1")
        #expect(probes.n == 5 && clock.ms == 2000, "probed every half second until the disk was there")
        #expect(lines.first == "no persistence device yet: waiting up to 30 s for one to appear (lightwhale.wait)")
        #expect(lines.contains("a persistence device appeared after 2 s"))
    }

    @Test func theWaitIsBounded() throws {
        var lines: [String] = []
        let probes = Counter()
        let (pipeline, clock) = Self.pipeline(wait: 3, log: { lines.append($0) }, probes: probes) { _ in [] }
        let report = try pipeline.run(policy: Make.policy)
        #expect(report.mode == .volatile && report.ok)
        #expect(clock.ms == 3000 && probes.n == 7)
        #expect(lines.contains("no persistence device appeared within 3 s"))
    }

    @Test func withoutWaitOrWithSomethingFoundItProbesOnce() throws {
        let refusedMagic = Make.disk("/dev/sdb", size: 16 * Make.MiB, magic: .exact)
        for (wait, disks) in [(0.0, [Disk]()), (30, [refusedMagic]), (30, [Make.gpt(Make.disk("/dev/sdc"), [Make.part(1, of: "/dev/sdc", fs: Make.ext4())])])] {
            let probes = Counter()
            let (pipeline, clock) = Self.pipeline(wait: wait, probes: probes) { _ in disks }
            _ = try pipeline.run(policy: Make.policy)
            #expect(probes.n == 1 && clock.ms == 0, "wait \(wait), disks \(disks.map(\.path))")
        }
    }

    @Test func aTmpfsAlreadyMountedIsNotWaitedFor() {
        let tmpfs = MountEntry(deviceNumber: "0:42", mountPoint: Make.policy.dataMountPoint, type: "tmpfs", source: "tmpfs")
        let plan = Make.plan([], mounts: [tmpfs])
        #expect(plan.mode == .volatile)
        #expect(!Planner.awaitsDevice(plan, inventory: Inventory(disks: [], mounts: [tmpfs]), policy: Make.policy))
    }
}
