import EntraAuth
import CKernel
import HelperCore

#if canImport(Glibc)
import Glibc
#endif

// The real, read-only looks `doctor` takes at the system; the executable wires them
// into a `DoctorProbes`. None creates, changes or unlocks anything.

extension ClockReading {
    /// The wall clock, and the kernel's sync flag (adjtimex in read-only mode).
    public static func system() -> ClockReading {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let state = ech_clock_synchronised()
        return ClockReading(now: Int64(now.tv_sec), synchronised: state < 0 ? nil : state == 1)
    }
}

extension LoopbackListener {
    /// Opens the sign-in listener itself on a random port and closes it at once: the
    /// addresses it bound ("127.0.0.1 and ::1", or 127.0.0.1 alone without IPv6) and the
    /// port, or why not.
    public static func probe() -> Result<String, HelperError> {
        do {
            let listener = try LoopbackListener(ports: 49152...65535)
            defer { listener.close() }
            return .success("\(listener.addresses) (got port \(listener.port))")
        } catch {
            return .failure(error)
        }
    }
}

extension Files {
    /// The private directories `base/names…` as makePrivateDirectories would find them,
    /// by the same rules (baseProblem, then lstat and privateDirectoryProblem for each),
    /// without making or changing anything; when one is missing, its nearest existing
    /// ancestor and whether we may write there.
    public static func inspectPrivate(_ names: [String], below base: String) -> PathState {
        var info = stat()
        guard stat(base, &info) == 0 else {
            var ancestor = parent(of: base)
            while stat(ancestor, &info) != 0, ancestor != "/", ancestor != "." {
                ancestor = parent(of: ancestor)
            }
            let usable = (info.st_mode & S_IFMT) == S_IFDIR && access(ancestor, W_OK | X_OK) == 0
            return .missing(ancestor: ancestor, writable: usable)
        }
        if let problem = baseProblem(base) { return .unsafe(path: base, problem: problem) }
        var path = base
        for name in names {
            let above = path
            path += (path.hasSuffix("/") ? "" : "/") + name
            guard lstat(path, &info) == 0 else { return .missing(ancestor: above, writable: access(above, W_OK | X_OK) == 0) }
            if let problem = privateDirectoryProblem(info) { return .unsafe(path: path, problem: problem) }
        }
        return .directory(writable: access(path, W_OK | X_OK) == 0)
    }
}
