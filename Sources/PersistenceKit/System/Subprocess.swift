#if canImport(Glibc)
import Glibc
#endif

/// Runs e2fsprogs tools (mke2fs, e2fsck): the one place a child process is started.
enum Subprocess {
    struct Result {
        var status: Int32
        var output: String
    }

    /// Runs `argv` with stdin closed, collecting stdout and stderr together.
    static func run(_ argv: [String]) throws -> Result {
        var pipeFDs: [Int32] = [0, 0]
        try retrying("pipe", argv[0]) { pipe(&pipeFDs) }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 2)
        let program = resolve(argv[0])
        var pid: pid_t = 0
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        let env: [UnsafeMutablePointer<CChar>?] = [String](["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"]).map { strdup($0) } + [nil]
        defer { env.forEach { free($0) } }
        let r = posix_spawn(&pid, program, &actions, nil, cargs, env)
        close(pipeFDs[1])
        guard r == 0 else {
            close(pipeFDs[0])
            throw SystemError.errno("run", argv[0], code: r)
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipeFDs[0], $0.baseAddress, 4096) }
            if n > 0 { output += buffer[0..<n] } else if n == 0 || errno != EINTR { break }
        }
        close(pipeFDs[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: code, output: String(decoding: output, as: UTF8.self))
    }

    static func resolve(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where access("\(dir)/\(name)", X_OK) == 0 {
            return "\(dir)/\(name)"
        }
        return name
    }
}
