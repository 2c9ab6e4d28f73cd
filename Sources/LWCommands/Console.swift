#if canImport(Glibc)
import Glibc
#endif
import PersistenceKit

/// Standard streams and JSON, in one place. Text is printed with its control characters escaped
/// (`String.printable`): what a disk's label says cannot drive the terminal.
enum Console {
    static func out(_ s: String) { put(s.printable(keepingNewlines: true) + "\n", fd: 1) }

    static func error(_ s: String, terminator: Bool = true) {
        let text = s.printable(keepingNewlines: true)
        put(terminator ? text + "\n" : text, fd: 2)
    }

    /// A progress line on a terminal, rewritten in place (carriage return, clear to its end).
    static func progress(_ s: String) { put("\r\u{1B}[K" + s.printable(), fd: 2) }

    /// write(2) directly: stdio's FILE globals are shared mutable state to Swift 6.
    private static func put(_ s: String, fd: Int32) {
        var bytes = Array(s.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// The same encoding as the saved report: pretty, sorted keys, slashes as they are.
    static func json<T: Encodable>(_ value: T) throws {
        put(String(decoding: try ReportFile.encode(value), as: UTF8.self) + "\n", fd: 1)
    }

    static func readLine() -> String? { Swift.readLine(strippingNewline: true) }

    static func currentDirectory() -> String {
        guard let p = getcwd(nil, 0) else { return "/" }
        defer { free(p) }
        return String(cString: p)
    }
}
