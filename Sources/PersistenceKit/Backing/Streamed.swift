#if canImport(Glibc)
import Glibc
#endif

/// A child process this one feeds or drains through a pipe (tar at either end of a backup's
/// stream), its stderr kept in memory for the error message.
final class Streamed {
    enum Direction { case readingItsOutput, writingItsInput }

    let pid: pid_t
    /// This process's end of the pipe.
    private(set) var fd: Int32
    private let errors: Int32

    init(_ argv: [String], _ direction: Direction) throws {
        let pipe = try Subprocess.Pipe(argv[0])
        // An unlinked file: stderr can be long, and a pipe left unread would stop the child.
        var template = Array("/tmp/lwctl-stderr.XXXXXX".utf8CString)
        errors = mkstemp(&template)
        guard errors >= 0 else { throw SystemError.errno("make a file for the stderr of", argv[0]) }
        _ = fcntl(errors, F_SETFD, FD_CLOEXEC)
        unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        switch direction {
        case .readingItsOutput:
            pid = try Subprocess.spawn(argv, stdin: nil, wiring: [(pipe.write, 1), (errors, 2)])
            fd = dup(pipe.read)
        case .writingItsInput:
            pid = try Subprocess.spawn(argv, stdin: pipe.read, wiring: [(errors, 1), (errors, 2)])
            fd = dup(pipe.write)
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// Closes this end and waits: the exit status and what the child wrote to stderr.
    func finish() -> (status: Int32, errors: String) {
        closeEnd()
        let status = Subprocess.wait(pid)
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var at: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(errors, $0.baseAddress, 4096, at) }
            if n <= 0 { break }
            text += buffer[0..<n]
            at += off_t(n)
        }
        close(errors)
        return (status, String(decoding: text.suffix(4096), as: UTF8.self).trimmingSpaces())
    }

    /// Stops it (a restore refusing a member before tar reads it).
    func stop() {
        kill(pid, SIGKILL)
        _ = finish()
    }

    func closeEnd() {
        if fd >= 0 { close(fd) }
        fd = -1
    }
}

/// Reads and writes whole buffers on a descriptor, retrying what signals interrupt.
enum Stream {
    /// Up to `count` bytes; empty at the end.
    static func read(_ fd: Int32, count: Int, what: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = try retrying("read", what) { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) } }
        return Array(buffer[0..<n])
    }

    static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>, what: String) throws {
        var done = 0
        try bytes.withUnsafeBytes { raw in
            while done < raw.count {
                done += try retrying("write", what) { Glibc.write(fd, raw.baseAddress! + done, raw.count - done) }
            }
        }
    }
}

extension Subprocess {
    /// Runs `argv` to its end with stdout and stderr apart (docker's JSON without its warnings).
    static func capture(_ argv: [String]) throws -> (status: Int32, output: [UInt8], errors: String) {
        let child = try Streamed(argv, .readingItsOutput)
        var output: [UInt8] = []
        while true {
            let piece = try Stream.read(child.fd, count: 65536, what: argv[0])
            if piece.isEmpty { break }
            output += piece
        }
        let (status, errors) = child.finish()
        return (status, output, errors)
    }
}
