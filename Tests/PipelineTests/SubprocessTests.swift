import Testing
@testable import PersistenceKit

/// The child process runner e2fsck goes through: its progress channel (fd 3) line by line, and
/// the time limit that keeps a check from hanging a boot.
@Suite struct SubprocessTests {
    @Test func progressLinesArriveApartFromTheOutput() throws {
        var lines: [String] = []
        let r = try Subprocess.run(["sh", "-c", "echo '1 5 10 /dev/x' >&3; echo out; echo err >&2; printf '2 10 10 /dev/x\\n' >&3"]) {
            lines.append($0)
        }
        #expect(r.status == 0 && !r.timedOut)
        #expect(lines == ["1 5 10 /dev/x", "2 10 10 /dev/x"])
        #expect(r.output == "out\nerr\n")
    }

    @Test func aChildPastItsLimitIsStoppedAndSaysSo() throws {
        let clock = ClaimClock.system
        let started = clock.milliseconds()
        let r = try Subprocess.run(["sleep", "30"], limit: 0.3)
        #expect(r.timedOut)
        #expect(r.status == 128 + 15, "SIGTERM ends it")
        #expect(clock.milliseconds() - started < 5000)
        let quick = try Subprocess.run(["true"], limit: 10)
        #expect(!quick.timedOut && quick.status == 0)
    }
}
