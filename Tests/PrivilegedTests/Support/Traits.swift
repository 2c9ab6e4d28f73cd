import TestSupport
import Testing

extension Privilege {
    /// Put on every privileged suite.
    static var trait: ConditionTrait {
        .enabled(if: shouldRun, "needs root for loop devices and mounts (run as root; with CI=true these fail instead of skipping)")
    }
}

/// Gives each test (each case of a parameterized test) its own `Sandbox`, cleaned up afterwards.
struct SandboxTrait: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> SandboxTrait? {
        // One sandbox per test case; nothing for a suite as a whole.
        test.isSuite ? nil : (testCase == nil && test.isParameterized ? nil : self)
    }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let sandbox = try Sandbox(privileged: true)
        defer { sandbox.cleanup() }
        try await Sandbox.$current.withValue(sandbox) { try await function() }
    }
}

extension Trait where Self == SandboxTrait {
    /// Run the test in its own `Sandbox` (temp root, images, loop devices, all cleaned up).
    static var sandbox: SandboxTrait { SandboxTrait() }
}
