#if canImport(Glibc)
import Glibc
#endif

/// The one clock: wall time, monotonic time and sleep, behind a protocol so tests can move
/// time without waiting for it. (Not `Clock`: that is the standard library's, in every
/// module that imports _Concurrency, the tests among them.)
public protocol TimeSource: Sendable {
    /// Unix seconds (CLOCK_REALTIME): for expiry times, which are wall-clock. It may jump.
    var now: Int64 { get }
    /// Milliseconds from any origin (CLOCK_MONOTONIC): for bounds and polling, which a
    /// wall-clock jump must not stretch or cut.
    var monotonicMilliseconds: Int64 { get }
    /// Blocks for `milliseconds` (at once when zero or less), resuming after signals.
    func sleep(milliseconds: Int)
}

/// The system's clocks, and nanosleep(2).
public struct SystemTime: TimeSource {
    public init() {}

    public var now: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }

    public var monotonicMilliseconds: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public func sleep(milliseconds: Int) {
        guard milliseconds > 0 else { return }
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
