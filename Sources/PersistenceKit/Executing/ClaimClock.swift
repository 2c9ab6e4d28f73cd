#if canImport(Glibc)
import Glibc
#endif

/// The two clocks a claim reads: wall time for the report, a monotonic one for step durations.
public struct ClaimClock: Sendable {
    /// Seconds since the epoch.
    public var now: @Sendable () -> Int
    /// Milliseconds on a clock that never goes back.
    public var milliseconds: @Sendable () -> Int

    public init(now: @escaping @Sendable () -> Int, milliseconds: @escaping @Sendable () -> Int) {
        self.now = now
        self.milliseconds = milliseconds
    }

    public static let system = ClaimClock(
        now: { Int(time(nil)) },
        milliseconds: {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
        })

    /// Sleeps for `seconds`, through signals.
    public static func sleep(_ seconds: Double) {
        var left = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var rest = timespec()
        while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
    }
}
