/// `lwctl claim` as one function: probe → plan → execute → report → save. Every effect comes in
/// as a value (the inventory source, the executor, the log, the clock, the fault hook and where
/// the report goes), so tests run the whole pipeline in-process with a `RecordingExecutor`.
public struct ClaimPipeline {
    /// Throws when the devices asked for cannot be probed (then nothing is planned or written).
    public var inventory: () throws -> Inventory
    public var executor: StepExecutor
    public var dryRun: Bool
    public var log: (String) -> Void
    public var clock: ClaimClock
    /// Called after each step succeeds (fault injection stops the process here).
    public var afterStep: (Step) -> Void
    /// Keeps the report for `lwctl status`; not called on a dry run.
    public var saveReport: (ClaimReport) throws -> Void

    public init(
        inventory: @escaping () throws -> Inventory, executor: StepExecutor, dryRun: Bool = false,
        log: @escaping (String) -> Void = { _ in }, clock: ClaimClock, afterStep: @escaping (Step) -> Void = { _ in },
        saveReport: @escaping (ClaimReport) throws -> Void = { _ in }
    ) {
        self.inventory = inventory
        self.executor = executor
        self.dryRun = dryRun
        self.log = log
        self.clock = clock
        self.afterStep = afterStep
        self.saveReport = saveReport
    }

    public func run(policy: Policy) throws -> ClaimReport {
        let plan = Planner.plan(try inventory(), policy: policy)
        let runner = ClaimRunner(executor: executor, dryRun: dryRun, log: log, clock: clock, afterStep: afterStep)
        let report = runner.run(plan, policy: policy)
        if !dryRun {
            do {
                try saveReport(report)
            } catch {
                log("warning: could not save the report to \(policy.reportPath): \(error)")
            }
        }
        return report
    }
}

extension ClaimPipeline {
    /// The real thing: every block device (or `devices`), the system or dry-run executor, the
    /// system clock, and the report saved at `policy.reportPath`.
    public static func live(
        devices: [String]?, dryRun: Bool, policy: Policy, log: @escaping (String) -> Void,
        checkLimit: Double = SystemExecutor.defaultCheckLimit, afterStep: @escaping (Step) -> Void = { _ in }
    ) -> ClaimPipeline {
        ClaimPipeline(
            inventory: { try Prober().inventory(devices: devices) },
            executor: dryRun ? DryRunExecutor() : SystemExecutor(log: log, checkLimit: checkLimit), dryRun: dryRun, log: log,
            clock: .system,
            afterStep: afterStep, saveReport: { try ReportFile.save($0, to: policy.reportPath) })
    }
}
