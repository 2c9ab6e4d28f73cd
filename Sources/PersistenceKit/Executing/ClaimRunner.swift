/// Plan → apply, with the tmpfs fallback of I7: any failing step ends the plan, mounts made so
/// far are undone and `Planner.fallback` plans what runs instead (degraded when the owner's data
/// file system was in use, volatile otherwise), so the system always boots writable.
public struct ClaimRunner {
    public var executor: StepExecutor
    public var dryRun: Bool
    public var log: (String) -> Void
    public var clock: ClaimClock
    /// Called after each step succeeds (fault injection in tests stops the process here).
    public var afterStep: (Step) -> Void

    public init(
        executor: StepExecutor, dryRun: Bool = false, log: @escaping (String) -> Void = { _ in },
        clock: ClaimClock = .system, afterStep: @escaping (Step) -> Void = { _ in }
    ) {
        self.executor = executor
        self.dryRun = dryRun
        self.log = log
        self.clock = clock
        self.afterStep = afterStep
    }

    public func run(_ plan: ClaimPlan, policy: Policy) -> ClaimReport {
        log("decision: \(plan.decision)")
        for skip in plan.skipped { log("skipped \(skip.device): \(skip.reason)") }
        var report = ClaimReport(
            mode: plan.mode, decision: plan.decision, dataDevice: plan.dataDevice, dataMountPoint: policy.dataMountPoint,
            dockerDataRoot: policy.dockerDataRoot, dryRun: dryRun, time: clock.now(), steps: [], skipped: plan.skipped.map(ClaimReport.SkipRecord.init),
            fallback: nil, ok: true)
        if plan.steps.isEmpty { log("nothing to do") }
        var current = plan
        var first = true
        while let failure = apply(current.steps, into: &report) {
            executor.rollback()
            let why: String
            if first {
                let succeeded = Array(current.steps.prefix(failure.index))
                let aftermath = Aftermath.of(steps: current.steps, succeeded: succeeded, failed: failure.step)
                why = "\(failure.step.action) failed: \(failure.error); \(aftermath)"
                // Whatever the plan meant to be, a failed one leaves nothing persistent mounted.
                report.fallback = why
            } else {
                why = "\(failure.step.action) failed: \(failure.error)"
            }
            log("error: " + why)
            report.mode = .volatile
            report.dataDevice = nil
            guard policy.mount, let next = Planner.fallback(after: current, failed: failure.step.action, why: why, policy: policy) else {
                if !first { log("error: even the fallback failed") }
                report.ok = false
                return report
            }
            log("falling back: " + next.decision)
            report.mode = next.mode
            report.decision = next.decision
            current = next
            first = false
        }
        return report
    }

    /// Runs steps in order; returns the first failure and its index in `steps`.
    private func apply(_ steps: [Step], into report: inout ClaimReport) -> (index: Int, step: Step, error: String)? {
        for (index, step) in steps.enumerated() {
            let started = clock.milliseconds()
            var record = ClaimReport.StepRecord(
                action: step.action, device: step.device, path: step.path, summary: step.summary,
                result: dryRun ? "planned" : "done")
            log((dryRun ? "would " : "") + step.summary)
            do {
                try executor.run(step)
            } catch {
                record.result = "failed"
                record.error = "\(error)"
                report.steps.append(record)
                return (index, step, "\(error)")
            }
            if !dryRun { record.milliseconds = clock.milliseconds() - started }
            report.steps.append(record)
            afterStep(step)
        }
        return nil
    }
}
