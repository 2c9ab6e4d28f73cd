// Where the repository and the built `lwctl` are, and who may run what.

#if canImport(Glibc)
import Glibc
#endif
import Foundation

public enum Repo {
    /// The repository, from this file's location (Tests/TestSupport/Repo.swift).
    public static let repo: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static var makeFixtures: String { repo + "/Fixtures/make-fixtures" }

    /// The real `lwctl`: `$LWCTL`, else next to the test bundle (`swift build` puts it in the same
    /// directory as `<Package>PackageTests.xctest`), else one or two levels up.
    public static func lwctl() throws -> String { try built("lwctl", environment: "LWCTL") }

    /// The release tool that signs images for `lwctl update`, found as `lwctl` is.
    public static func lwsign() throws -> String { try built("lwsign", environment: "LWSIGN") }

    private static func built(_ name: String, environment: String) throws -> String {
        if let env = ProcessInfo.processInfo.environment[environment], !env.isEmpty {
            guard access(env, X_OK) == 0 else { throw HarnessError("\(environment)=\(env) is not an executable file") }
            return env
        }
        var starts: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(exe) }
        starts += [CommandLine.arguments.first, Bundle.main.executablePath].compactMap { $0 }
        var candidates: [String] = []
        for start in starts {
            var dir = URL(fileURLWithPath: start).standardizedFileURL.deletingLastPathComponent()
            for _ in 0..<3 {
                candidates.append(dir.appendingPathComponent(name).path)
                dir.deleteLastPathComponent()
            }
        }
        var isDir: ObjCBool = false
        if let found = candidates.first(where: {
            access($0, X_OK) == 0 && FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && !isDir.boolValue
        }) {
            return found
        }
        throw HarnessError(
            "\(name) not found (looked in \(candidates.joined(separator: ", "))): run `swift build` first, or set \(environment)=/path/to/\(name)")
    }
}

/// The one rule for tests that need root (loop devices, mounts, namespaces):
/// - as root they run;
/// - with `CI=true` and not root they run anyway and FAIL (CI must never skip them silently);
/// - elsewhere, not root, they are disabled with a comment saying why.
public enum Privilege {
    public static var isRoot: Bool { geteuid() == 0 }
    public static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    public static var shouldRun: Bool { isRoot || inCI }

    /// First line of every privileged test's setup: fails clearly when not root.
    public static func require() throws {
        guard isRoot else {
            throw HarnessError("privileged tests need root (loop devices, mount namespaces); CI=true is set, so this is a failure, not a skip")
        }
    }
}
