#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Every failure of the effectful shell, worded for the person reading the boot log. When a
/// system call failed, `code` keeps its errno, so callers compare codes, never `strerror` text.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public var operation: String
    public var subject: String
    public var code: Errno?
    public var detail: String

    public init(_ operation: String, _ subject: String, _ detail: String) {
        self.operation = operation
        self.subject = subject
        self.code = nil
        self.detail = detail
    }

    public init(_ operation: String, _ subject: String, code: Errno) {
        self.operation = operation
        self.subject = subject
        self.code = code
        self.detail = code.description
    }

    /// From the current `errno`.
    public static func errno(_ operation: String, _ subject: String, code: Int32 = Glibc.errno) -> SystemError {
        SystemError(operation, subject, code: Errno(rawValue: code))
    }

    public var description: String { "\(operation) \(subject): \(detail)" }
}

/// Runs a syscall wrapper, retrying on EINTR, and turns -1 into a `SystemError`.
@discardableResult
func retrying<T: SignedInteger>(_ operation: String, _ subject: String, _ body: () -> T) throws -> T {
    while true {
        let r = body()
        if r != -1 { return r }
        if errno == EINTR { continue }
        throw SystemError.errno(operation, subject)
    }
}
