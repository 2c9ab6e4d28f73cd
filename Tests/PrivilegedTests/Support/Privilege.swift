#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The one rule for tests that need root (loop devices, mounts, namespaces):
/// - as root they run;
/// - with `CI=true` and not root they run anyway and FAIL (CI must never skip them silently);
/// - elsewhere, not root, they are disabled with a comment saying why.
enum Privilege {
    static var isRoot: Bool { geteuid() == 0 }
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    static var shouldRun: Bool { isRoot || inCI }

    /// Put on every privileged suite.
    static var trait: ConditionTrait {
        .enabled(if: shouldRun, "needs root for loop devices and mounts (run as root; with CI=true these fail instead of skipping)")
    }

    /// First line of every privileged test's setup: fails clearly when not root.
    static func require() throws {
        guard isRoot else {
            throw HarnessError("privileged tests need root (loop devices, mount namespaces); CI=true is set, so this is a failure, not a skip")
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
