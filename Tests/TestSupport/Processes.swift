// One way to run a program from a test: argv, stdin from a file, stdout and stderr collected in
// temp files (a pipe could deadlock on a chatty child), the status as a shell reports it.

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A test's setup or a tool it relies on failed (not an expectation about lwctl).
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public struct Output: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var both: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

public enum Run {
    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Runs argv (a bare name is looked up on `path`). The environment is this process's plus
    /// LC_ALL=C, `path` and `environment`; with `inherit: false` only `path` and `environment`.
    public static func run(
        _ argv: [String], environment extra: [String: String] = [:], inherit: Bool = true, stdinFile: String = "/dev/null"
    ) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0].hasPrefix("/") ? argv[0] : try which(argv[0]))
        p.arguments = Array(argv.dropFirst())
        var env = inherit ? ProcessInfo.processInfo.environment : [:]
        env["LC_ALL"] = "C"
        env["PATH"] = path
        env.merge(extra) { $1 }
        p.environment = env
        let outPath = try tempFile("out")
        let errPath = try tempFile("err")
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let outHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = FileHandle(forReadingAtPath: stdinFile)
        try p.run()
        p.waitUntilExit()
        try? outHandle.close()
        try? errHandle.close()
        let status = p.terminationReason == .exit ? p.terminationStatus : 128 + p.terminationStatus
        return Output(
            status: status,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Runs and requires exit status 0.
    @discardableResult
    public static func ok(_ argv: [String], environment: [String: String] = [:]) throws -> Output {
        let o = try run(argv, environment: environment)
        guard o.status == 0 else { throw HarnessError("`\(argv.joined(separator: " "))` failed: \(o.both)") }
        return o
    }

    public static func which(_ name: String) throws -> String {
        for dir in path.split(separator: ":") where access("\(dir)/\(name)", X_OK) == 0 {
            return "\(dir)/\(name)"
        }
        throw HarnessError("'\(name)' is not installed (apt-get install fdisk gdisk e2fsprogs dosfstools xorriso util-linux)")
    }

    /// `$TMPDIR`, else /tmp, without a trailing slash.
    public static var tmpBase: String {
        let t = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        return t.isEmpty ? "/tmp" : (t.hasSuffix("/") ? String(t.dropLast()) : t)
    }

    static func tempFile(_ tag: String) throws -> String {
        var template = Array("\(tmpBase)/lw-\(tag)-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw HarnessError("mkstemp failed: \(String(cString: strerror(errno)))") }
        close(fd)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
