#if canImport(Glibc)
import Glibc
#endif

/// Runs e2fsprogs tools (mke2fs, e2fsck), docker and tar: the one place a child process is started.
enum Subprocess {
    struct Result {
        var status: Int32
        var output: String
        /// The time limit ran out and the child was stopped (SIGTERM, then SIGKILL).
        var timedOut = false
    }

    /// Runs `argv` with stdin closed, collecting stdout and stderr together. `progress`: the
    /// lines the child writes to its fd 3 (e2fsck's `-C 3`), as they come. `limit`: seconds
    /// after which the child is asked to stop (SIGTERM; SIGKILL 5 s later).
    static func run(_ argv: [String], limit: Double? = nil, progress: ((String) -> Void)? = nil) throws -> Result {
        let output = try Pipe(argv[0])
        let channel = progress == nil ? nil : try Pipe(argv[0])
        var wiring: [(Int32, Int32)] = [(output.write, 1), (output.write, 2)]
        if let channel { wiring.append((channel.write, 3)) }
        defer {
            output.closeRead()
            channel?.closeRead()
        }
        let spawned = Swift.Result<pid_t, any Error> { try spawn(argv, stdin: nil, wiring: wiring) }
        output.closeWrite()
        channel?.closeWrite()
        let pid = try spawned.get()

        let clock = ClaimClock.system
        let start = clock.milliseconds()
        var collected: [UInt8] = []
        var partial: [UInt8] = []
        var open = [output.read] + (channel.map { [$0.read] } ?? [])
        var signalled: (signal: Int32, at: Int)? = nil
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let waitMs: Int32 = limit == nil ? -1 : 200
            let n = poll(&fds, nfds_t(fds.count), waitMs)
            if n < 0 && errno != EINTR { break }
            for p in fds where p.revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let got = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, 4096) }
                if got <= 0 {
                    if got == 0 || errno != EINTR { open.removeAll { $0 == p.fd } }
                    continue
                }
                if p.fd == output.read {
                    collected += buffer[0..<got]
                } else {
                    partial += buffer[0..<got]
                    while let nl = partial.firstIndex(of: 10) {
                        progress?(String(decoding: partial[..<nl], as: UTF8.self))
                        partial.removeSubrange(...nl)
                    }
                }
            }
            if let limit {
                let now = clock.milliseconds()
                if signalled == nil && Double(now - start) > limit * 1000 {
                    kill(pid, SIGTERM)
                    signalled = (SIGTERM, now)
                } else if let s = signalled, s.signal == SIGTERM, now - s.at > 5000 {
                    kill(pid, SIGKILL)
                    signalled = (SIGKILL, now)
                }
            }
        }
        return Result(status: wait(pid), output: String(decoding: collected, as: UTF8.self), timedOut: signalled != nil)
    }

    /// Starts `argv` with `stdin` (nil: /dev/null) and each `(fd, as)` of `wiring` dup'ed to the
    /// child's descriptor `as`, in a clean environment, with default signal handling whatever
    /// this process blocks or ignores (a time limit's SIGTERM must reach it).
    static func spawn(_ argv: [String], stdin: Int32?, wiring: [(Int32, Int32)]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin { posix_spawn_file_actions_adddup2(&actions, stdin, 0) } else { posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) }
        for (fd, target) in wiring { posix_spawn_file_actions_adddup2(&actions, fd, target) }
        let program = resolve(argv[0])
        var pid: pid_t = 0
        let cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        let env: [UnsafeMutablePointer<CChar>?] = [String](["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"]).map { strdup($0) } + [nil]
        defer { env.forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let r = posix_spawn(&pid, program, &actions, &attributes, cargs, env)
        guard r == 0 else { throw SystemError.errno("run", argv[0], code: r) }
        return pid
    }

    /// The child's exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    static func resolve(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where access("\(dir)/\(name)", X_OK) == 0 {
            return "\(dir)/\(name)"
        }
        return name
    }

    /// A pipe whose ends are closed on exec in this process (the child gets copies by dup2).
    final class Pipe {
        let read: Int32
        let write: Int32
        private var readOpen = true
        private var writeOpen = true

        init(_ what: String) throws {
            var fds: [Int32] = [0, 0]
            try retrying("pipe", what) { pipe(&fds) }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            read = fds[0]
            write = fds[1]
        }

        func closeWrite() { if writeOpen { close(write); writeOpen = false } }
        func closeRead() { if readOpen { close(read); readOpen = false } }
        deinit {
            closeWrite()
            closeRead()
        }
    }
}
