import HelperCore

#if canImport(Glibc)
import Glibc
#endif

/// Serialises sign-ins per authority, tenant and client, across processes: taken around
/// read, refresh and write, so that N callers with an expired token make one refresh,
/// and one prompt serves them all.
public protocol SignInLocker {
    /// Blocks until the lock is held or `seconds` pass.
    func acquire(_ key: SignInKey, seconds: Int) throws(HelperError) -> HeldLock
    /// When a sign-in for the key was last abandoned (timed out or cancelled), if ever.
    func lastAbandoned(_ key: SignInKey) -> Int64?
    func recordAbandoned(_ key: SignInKey, at: Int64)
    func clearAbandoned(_ key: SignInKey)
}

public protocol HeldLock: AnyObject {
    func release()
}

/// flock(2) on a file in $XDG_RUNTIME_DIR/entra-credential-helper (or a 0700 directory
/// under ~/.cache when there is no runtime directory). The kernel drops the lock when
/// its holder dies, however it dies, so a killed process never blocks the others.
public final class FileLocker: SignInLocker {
    public let directory: String
    /// Where `directory` starts being ours: below it, every directory is made and checked
    /// private (owner, mode 0700, no symbolic link); `base` itself is the system's or the user's.
    public let base: String
    public let names: [String]
    /// Bounds and paces the wait for the lock.
    let clock: any TimeSource

    public convenience init(environment: (String) -> String?, clock: any TimeSource = SystemTime()) {
        if let runtime = environment("XDG_RUNTIME_DIR") {
            self.init(base: runtime, names: ["entra-credential-helper"], clock: clock)
        } else {
            self.init(base: (environment("XDG_CACHE_HOME") ?? Files.home() + "/.cache"), names: ["entra-credential-helper", "locks"],
                      clock: clock)
        }
    }

    init(base: String, names: [String], clock: any TimeSource = SystemTime()) {
        self.base = base
        self.names = names
        self.clock = clock
        directory = base + "/" + names.joined(separator: "/")
    }

    /// The lock directory, made when missing; refused unless it is private to this user.
    func privateDirectory() throws(HelperError) -> String {
        do { return try Files.makePrivateDirectories(names, below: base) } catch {
            guard error.path != base else { throw .unsafeLockBase(path: error.path, problem: error.problem) }
            throw .unsafeLockPath(path: error.path, problem: error.problem)
        }
    }

    public func acquire(_ key: SignInKey, seconds: Int) throws(HelperError) -> HeldLock {
        let path = "\(try privateDirectory())/\(key.digest).lock"
        // O_NOFOLLOW: a symbolic link planted where the lock file goes is not followed.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            if errno == ELOOP { throw .unsafeLockPath(path: path, problem: "is a symbolic link") }
            throw .fileStoreFailure(path: path, reason: Files.errorText())
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() else {
            close(fd)
            throw .unsafeLockPath(path: path, problem: "is not a regular file of yours")
        }
        let deadline = clock.monotonicMilliseconds + Int64(seconds) * 1000
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = Files.errorText()
                close(fd)
                throw .fileStoreFailure(path: path, reason: reason)
            }
            guard clock.monotonicMilliseconds < deadline else {
                close(fd)
                throw .lockTimeout(path: path, seconds: seconds)
            }
            clock.sleep(milliseconds: 5)  // short: a waiter should see the holder's result promptly
        }
        return FileLock(fd: fd)
    }

    func markerPath(_ key: SignInKey) -> String { "\(directory)/\(key.digest).abandoned" }

    public func lastAbandoned(_ key: SignInKey) -> Int64? {
        guard (try? privateDirectory()) != nil, let bytes = try? Files.read(markerPath(key), limit: 64, followLinks: false, ownRegularFile: true) else {
            return nil  // none, or not a file of ours (a link, a FIFO): no cool-down
        }
        // Anyone who could write the file chose the number: clamped.
        return Bounded.integer(String(String(decoding: bytes, as: UTF8.self).split(separator: "\n").first ?? ""),
                               in: Bounded.epochSeconds)
    }

    /// Written through a new file renamed into place: a symbolic link there is replaced, not followed.
    public func recordAbandoned(_ key: SignInKey, at time: Int64) {
        guard (try? privateDirectory()) != nil else { return }
        try? Files.writeAtomically(markerPath(key), Array("\(time)\n".utf8))
    }

    /// unlink(2) removes a symbolic link itself, never its target.
    public func clearAbandoned(_ key: SignInKey) {
        guard (try? privateDirectory()) != nil else { return }
        Files.remove(markerPath(key))
    }
}

final class FileLock: HeldLock {
    private var fd: Int32

    init(fd: Int32) { self.fd = fd }

    func release() {
        guard fd >= 0 else { return }
        close(fd)  // closing the descriptor drops the flock
        fd = -1
    }

    deinit { release() }
}
