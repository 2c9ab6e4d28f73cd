import Testing
@testable import PersistenceKit
import PlanningBuilders

/// I7: whatever fails, the runner ends on a tmpfs and says why.
@Suite struct RunnerTests {
    let dataDisk = Make.gpt(Make.disk("/dev/sdb"), [Make.part(1, of: "/dev/sdb", fs: Make.ext4())])

    @Test func fsckFailureFallsBackToTmpfsAndWritesNothingMore() {
        let executor = RecordingExecutor { step in
            step.action == .checkFilesystem ? SystemError("check", "/dev/sdb1", "e2fsck -p exited 4") : nil
        }
        let report = ClaimRunner(executor: executor).run(Make.plan([dataDisk]), policy: Make.policy)
        #expect(report.ok)
        #expect(report.mode == .volatile)
        #expect(report.fallback?.contains("e2fsck -p exited 4") == true)
        #expect(executor.rolledBack == 1)
        #expect(executor.performed.map(\.action) == [.ensurePartitionNode] + Make.volatileActions)
        #expect(report.steps.first { $0.result == "failed" }?.action == .checkFilesystem)
    }

    @Test func failedClaimLeavesTheMagicAndBootsVolatile() {
        let executor = RecordingExecutor { step in
            step.action == .makeFilesystem ? SystemError("format", "/dev/sdb1", "mke2fs exited 1") : nil
        }
        let report = ClaimRunner(executor: executor).run(Make.plan([Make.disk("/dev/sdb", magic: .exact)]), policy: Make.policy)
        #expect(report.mode == .volatile)
        #expect(!executor.performed.contains { $0.action == .completeClaim })  // I2: the licence stays
    }

    @Test func whenEvenTheFallbackFailsTheReportSaysSo() {
        let executor = RecordingExecutor { _ in SystemError("mount", "x", "no") }
        let report = ClaimRunner(executor: executor).run(Make.plan([]), policy: Make.policy)
        #expect(!report.ok)
    }

    @Test func dryRunMarksEveryStepPlanned() {
        let plan = Make.plan([Make.disk("/dev/sdb", magic: .exact)])
        let report = ClaimRunner(executor: DryRunExecutor(), dryRun: true).run(plan, policy: Make.policy)
        #expect(report.steps.count == plan.steps.count)
        #expect(report.steps.allSatisfy { $0.result == "planned" && $0.milliseconds == nil })
        #expect(report.dryRun)
    }

    @Test func logNamesTheDecisionAndEverySkip() {
        var lines: [String] = []
        let plan = Make.plan([Make.disk("/dev/sda"), Make.disk("/dev/sdb", magic: .exact)])
        _ = ClaimRunner(executor: DryRunExecutor(), dryRun: true, log: { lines.append($0) }).run(plan, policy: Make.policy)
        #expect(lines.first?.hasPrefix("decision: claim /dev/sdb") == true)
        #expect(lines.contains { $0.hasPrefix("skipped /dev/sda:") })
    }
}
