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
    /// Seconds to keep probing while no device at all is found (a USB disk that enumerates late).
    public var wait: Double
    /// Sleeps between those probes (tests pass one that only advances their clock).
    public var pause: (Double) -> Void

    public init(
        inventory: @escaping () throws -> Inventory, executor: StepExecutor, dryRun: Bool = false,
        log: @escaping (String) -> Void = { _ in }, clock: ClaimClock, afterStep: @escaping (Step) -> Void = { _ in },
        saveReport: @escaping (ClaimReport) throws -> Void = { _ in }, wait: Double = 0,
        pause: @escaping (Double) -> Void = { _ in }
    ) {
        self.inventory = inventory
        self.executor = executor
        self.dryRun = dryRun
        self.log = log
        self.clock = clock
        self.afterStep = afterStep
        self.saveReport = saveReport
        self.wait = wait
        self.pause = pause
    }

    public func run(policy: Policy) throws -> ClaimReport {
        let (plan, found) = try waitingPlan(policy: policy)
        let runner = ClaimRunner(executor: executor, dryRun: dryRun, log: log, clock: clock, afterStep: afterStep)
        var report = runner.run(plan, policy: policy)
        if !found.seeds.isEmpty { report.seeds = found.seeds }
        if !dryRun {
            do {
                try saveReport(report)
            } catch {
                log("warning: could not save the report to \(policy.reportPath): \(error)")
            }
        }
        return report
    }

    /// The plan, once a device has appeared or `wait` seconds have passed without one.
    func waitingPlan(policy: Policy) throws -> (ClaimPlan, Inventory) {
        var found = try inventory()
        var plan = Planner.plan(found, policy: policy)
        guard wait > 0, Planner.awaitsDevice(plan, inventory: found, policy: policy) else { return (plan, found) }
        log("no persistence device yet: waiting up to \(Self.seconds(wait)) for one to appear (lightwhale.wait)")
        let start = clock.milliseconds()
        while Planner.awaitsDevice(plan, inventory: found, policy: policy) {
            guard Double(clock.milliseconds() - start) < wait * 1000 else {
                log("no persistence device appeared within \(Self.seconds(wait))")
                return (plan, found)
            }
            pause(Self.pollInterval)
            found = try inventory()
            plan = Planner.plan(found, policy: policy)
        }
        log("a persistence device appeared after \(Self.seconds(Double(clock.milliseconds() - start) / 1000))")
        return (plan, found)
    }

    /// Often enough that a disk is used within a moment of appearing; each probe costs a few ms.
    static let pollInterval = 0.5

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\((s * 10).rounded() / 10) s"
    }
}

extension ClaimPipeline {
    /// The real thing: every block device (or `devices`), the system or dry-run executor, the
    /// system clock, and the report saved at `policy.reportPath`.
    public static func live(
        devices: [String]?, dryRun: Bool, policy: Policy, log: @escaping (String) -> Void,
        checkLimit: Double = SystemExecutor.defaultCheckLimit, wait: Double = 0, afterStep: @escaping (Step) -> Void = { _ in }
    ) -> ClaimPipeline {
        ClaimPipeline(
            inventory: { try Prober().inventory(devices: devices) },
            executor: dryRun ? DryRunExecutor() : SystemExecutor(log: log, checkLimit: checkLimit), dryRun: dryRun, log: log,
            clock: .system,
            afterStep: afterStep, saveReport: { try ReportFile.save($0, to: policy.reportPath) }, wait: wait,
            pause: ClaimClock.sleep)
    }
}
