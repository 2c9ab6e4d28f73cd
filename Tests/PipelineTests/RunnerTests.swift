import Testing
@testable import PersistenceKit
import PlanningBuilders

/// I7: whatever fails, the runner ends on a tmpfs and says why.
@Suite struct RunnerTests {
    let dataDisk = Make.gpt(Make.disk("/dev/sdb"), [Make.part(1, of: "/dev/sdb", fs: Make.ext4())])

    @Test func fsckFailureDegradesToTheDataReadOnlyAndWritesNothingMore() {
        let executor = RecordingExecutor { step in
            step.action == .checkFilesystem ? SystemError("check", "/dev/sdb1", "e2fsck -p exited 4") : nil
        }
        let report = ClaimRunner(executor: executor).run(Make.plan([dataDisk]), policy: Make.policy)
        #expect(report.ok)
        #expect(report.mode == .degraded)
        #expect(report.decision.hasPrefix("degraded: the data file system on /dev/sdb1 is not used as is"))
        #expect(report.fallback?.contains("e2fsck -p exited 4") == true)
        #expect(executor.rolledBack == 1)
        #expect(executor.performed.map(\.action) == [.ensurePartitionNode, .mountTmpfs, .ensurePartitionNode, .makeDirectories, .mountReadOnly, .makeDirectories] + Array(repeating: .mountOverlay, count: 3))
        #expect(executor.performed.filter(\.writesDisk).isEmpty)
        #expect(report.steps.first { $0.result == "failed" }?.action == .checkFilesystem)
    }

    @Test func whenTheDataCannotBeReadEitherPasswordLoginsAreRefused() {
        let executor = RecordingExecutor { step in
            [.checkFilesystem, .mountReadOnly].contains(step.action) ? SystemError("x", "/dev/sdb1", "bad superblock") : nil
        }
        var lines: [String] = []
        let report = ClaimRunner(executor: executor, log: { lines.append($0) }).run(Make.plan([dataDisk]), policy: Make.policy)
        #expect(report.ok && report.mode == .degraded)
        #expect(report.decision.contains("not even read-only"))
        #expect(executor.rolledBack == 2)
        #expect(executor.performed.last?.action == .refusePasswordLogins)
        #expect(lines.filter { $0.hasPrefix("falling back: degraded:") }.count == 2, "\(lines)")
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

/// The fallback says what had been written before the failure, as the steps that succeeded and
/// the invariants tell it, and a failed claim never reports itself persistent.
@Suite struct AftermathTests {
    static func failing(_ action: Step.Action) -> RecordingExecutor {
        RecordingExecutor { $0.action == action ? SystemError("x", "/dev/sdb", "boom") : nil }
    }

    static let magicDisk = Make.disk("/dev/sdb", magic: .exact)

    @Test func aFailureBeforeAnyWriteSaysNothingWasWritten() {
        let disk = Make.gpt(Make.disk("/dev/sdb"), [Make.part(1, of: "/dev/sdb", fs: Make.ext4())])
        let report = ClaimRunner(executor: Self.failing(.mount)).run(Make.plan([disk]), policy: Make.policy)
        // check-filesystem ran before the mount failed: it may repair, and the report says so.
        #expect(report.fallback == "mount failed: x /dev/sdb: boom; check-filesystem had written to /dev/sdb1 (e2fsck -p repairs what it safely can)")
        let first = ClaimRunner(executor: Self.failing(.recordClaim)).run(Make.plan([Self.magicDisk]), policy: Make.policy)
        #expect(first.fallback == "record-claim failed: x /dev/sdb: boom; nothing had been written before it")
        #expect(Aftermath.of(steps: [], succeeded: [.ensurePartitionNode(partition: PartitionRef(disk: "/dev/sdb", number: 1, region: Region(offset: 0, size: 1)))], failed: .mountTmpfs(target: "/x")).description == "nothing was written, the data is as it was")
    }

    @Test func aClaimCutBeforeFormattingIsRedoneAtTheNextBoot() {
        let report = ClaimRunner(executor: Self.failing(.writePartitionTable)).run(Make.plan([Self.magicDisk]), policy: Make.policy)
        #expect(report.mode == .volatile && report.ok)
        #expect(report.fallback == "write-partition-table failed: x /dev/sdb: boom; record-claim and wipe-signatures had written to /dev/sdb; its magic header is still there, so the claim is redone at the next boot")
    }

    @Test(arguments: [
        (Step.Action.verifyFilesystem, Aftermath.Next.finishIfComplete, "so the next boot finishes the claim if the new file system is complete, and redoes it otherwise"),
        (.completeClaim, .finish, "so the next boot only finishes the claim (its file system is complete)"),
    ])
    func aClaimCutAfterFormattingIsFinished(_ failing: Step.Action, next: Aftermath.Next, words: String) {
        let plan = Make.plan([Self.magicDisk])
        let report = ClaimRunner(executor: Self.failing(failing)).run(plan, policy: Make.policy)
        let index = plan.steps.firstIndex { $0.action == failing }!
        let aftermath = Aftermath.of(steps: plan.steps, succeeded: Array(plan.steps.prefix(index)), failed: plan.steps[index])
        #expect(aftermath == .claimPending(
            written: Array(plan.steps.prefix(index)).filter(\.writesDisk).map(\.action), devices: ["/dev/sdb", "/dev/sdb1"],
            licence: .magicHeader(disk: "/dev/sdb"), next: next))
        #expect(report.fallback?.hasSuffix("its magic header is still there, " + words) == true, "\(report.fallback ?? "")")
    }

    @Test func aMountFailureAfterACompleteClaimSaysTheClaimIsComplete() {
        let report = ClaimRunner(executor: Self.failing(.mount)).run(Make.plan([Self.magicDisk]), policy: Make.policy)
        #expect(report.mode == .volatile && report.dataDevice == nil)
        #expect(report.fallback == "mount failed: x /dev/sdb: boom; record-claim, wipe-signatures, write-partition-table, make-filesystem and complete-claim had written to /dev/sdb and /dev/sdb1 and the claim is complete: the data file system is used at the next boot")
    }

    @Test func aPartitionClaimKeepsItsName() {
        let disk = Make.gpt(Make.disk("/dev/sda"), [Make.part(2, of: "/dev/sda", name: "lightwhale-please-format-me")])
        let report = ClaimRunner(executor: Self.failing(.makeFilesystem)).run(Make.plan([disk]), policy: Make.policy)
        #expect(report.fallback == "make-filesystem failed: x /dev/sdb: boom; mark-partition and wipe-signatures had written to /dev/sda2 and /dev/sda; /dev/sda2 is still named lightwhale-please-format-me, so the claim is redone at the next boot")
    }

    /// --no-mount: no tmpfs to fall back to, and the report must not say persistent.
    @Test func aFailedClaimWithoutMountingIsNotPersistent() {
        var policy = Make.policy
        policy.mount = false
        let report = ClaimRunner(executor: Self.failing(.makeFilesystem)).run(Make.plan([Self.magicDisk], policy: policy), policy: policy)
        #expect(!report.ok)
        #expect(report.mode == .volatile && report.dataDevice == nil)
        #expect(report.fallback?.contains("its magic header is still there") == true)
    }
}
