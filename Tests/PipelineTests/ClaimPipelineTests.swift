import Testing
@testable import PersistenceKit
import PlanningBuilders

/// probe → plan → execute → report → save, in-process: a made-up inventory, a recording
/// executor, a fixed clock.
@Suite struct ClaimPipelineTests {
    /// Each call advances 7 ms, so every step takes exactly 7 ms.
    final class Ticks: @unchecked Sendable { var ms = 1000 }

    static func clock() -> ClaimClock {
        let ticks = Ticks()
        return ClaimClock(now: { 1_800_000_000 }, milliseconds: { ticks.ms += 7; return ticks.ms })
    }

    final class Saved { var reports: [ClaimReport] = [] }

    @Test func aMagicDiskIsClaimedMountedReportedAndSaved() throws {
        let executor = RecordingExecutor()
        let saved = Saved()
        var hooked: [Step.Action] = []
        var lines: [String] = []
        let pipeline = ClaimPipeline(
            inventory: { Inventory(disks: [Make.disk("/dev/sdb", magic: .exact)]) }, executor: executor,
            log: { lines.append($0) }, clock: Self.clock(), afterStep: { hooked.append($0.action) },
            saveReport: { saved.reports.append($0) })
        let report = try pipeline.run(policy: Make.policy)
        #expect(report.ok && report.mode == .persistent && report.dataDevice == "/dev/sdb1")
        #expect(report.time == 1_800_000_000)
        #expect(report.steps.map(\.action) == Make.claimActions)
        #expect(report.steps.allSatisfy { $0.result == "done" && $0.milliseconds == 7 })
        #expect(executor.performed.map(\.action) == Make.claimActions)
        #expect(hooked == Make.claimActions, "the fault hook sees every step, in order")
        #expect(saved.reports == [report])
        #expect(lines.first == "decision: \(report.decision)")
    }

    @Test func aDryRunSavesNothing() throws {
        let saved = Saved()
        let report = try ClaimPipeline(
            inventory: { Inventory(disks: [Make.disk("/dev/sdb", magic: .exact)]) }, executor: DryRunExecutor(), dryRun: true,
            clock: Self.clock(), saveReport: { saved.reports.append($0) }
        ).run(policy: Make.policy)
        #expect(report.dryRun && report.steps.allSatisfy { $0.result == "planned" })
        #expect(saved.reports.isEmpty)
    }

    @Test func aProbeFailureRunsNothing() {
        let executor = RecordingExecutor()
        let saved = Saved()
        let pipeline = ClaimPipeline(
            inventory: { throw Prober.ProbeError.notFound("/dev/sdx") }, executor: executor, clock: Self.clock(),
            saveReport: { saved.reports.append($0) })
        #expect(throws: Prober.ProbeError.notFound("/dev/sdx")) { try pipeline.run(policy: Make.policy) }
        #expect(executor.performed.isEmpty && saved.reports.isEmpty)
    }

    @Test func aReportThatCannotBeSavedIsStillReturnedAndTheLogSaysSo() throws {
        var lines: [String] = []
        let report = try ClaimPipeline(
            inventory: { Inventory(disks: []) }, executor: RecordingExecutor(), log: { lines.append($0) },
            clock: Self.clock(), saveReport: { _ in throw SystemError("create", "/run/lightwhale/claim.json", "read-only") }
        ).run(policy: Make.policy)
        #expect(report.ok && report.mode == .volatile)
        #expect(lines.contains { $0.hasPrefix("warning: could not save the report to /run/lightwhale/claim.json") })
    }
}
