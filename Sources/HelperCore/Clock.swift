#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time, behind a protocol so tests can move it.
public protocol Clock: Sendable {
    /// Unix seconds.
    var now: Int64 { get }
}

public struct SystemClock: Clock {
    public init() {}
    public var now: Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }
}
