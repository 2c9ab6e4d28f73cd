/// Applies steps. The system executor touches disks; the others only render or record.
public protocol StepExecutor: AnyObject {
    func run(_ step: Step) throws
    /// Undoes the mounts this executor made, newest first, so a fallback starts clean.
    func rollback()
}

/// Renders the plan and does nothing else: `--dry-run`.
public final class DryRunExecutor: StepExecutor {
    public private(set) var lines: [String] = []

    public init() {}

    public func run(_ step: Step) throws { lines.append(step.summary) }
    public func rollback() {}
}

/// Remembers every step; fails on request. The test double for the runner's logic.
public final class RecordingExecutor: StepExecutor {
    public private(set) var performed: [Step] = []
    public private(set) var rolledBack = 0
    public var failOn: (Step) -> SystemError?

    public init(failOn: @escaping (Step) -> SystemError? = { _ in nil }) { self.failOn = failOn }

    public func run(_ step: Step) throws {
        if let error = failOn(step) { throw error }
        performed.append(step)
    }

    public func rollback() { rolledBack += 1 }
}
