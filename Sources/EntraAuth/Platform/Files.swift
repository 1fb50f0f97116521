#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the engine needs, on plain POSIX calls: the config file and
/// the opt-in token file are written atomically (temporary file, fsync, rename) with
/// mode 0600 inside a 0700 directory, so a crash never leaves half a file and no other
/// user can read them.
public enum Files {
    public enum Failure: Error, Equatable, Sendable {
        case missing
        case failed(String)
    }

    public static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// The whole file, or `.missing` when it does not exist. `followLinks: false` refuses
    /// a symbolic link (O_NOFOLLOW). `ownRegularFile: true` refuses anything but a regular
    /// file of ours, checked on the opened descriptor; the open does not block (a FIFO
    /// planted there is refused, not waited on). `regularFile: true` does the same for a
    /// file of any owner (a projected token is root's).
    public static func read(_ path: String, limit: Int = 1 << 20, followLinks: Bool = true,
                            ownRegularFile: Bool = false, regularFile: Bool = false) throws(Failure) -> [UInt8] {
        let checked = ownRegularFile || regularFile
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW) | (checked ? O_NONBLOCK : 0))
        guard fd >= 0 else { throw errno == ENOENT ? .missing : .failed(errorText()) }
        defer { close(fd) }
        if checked {
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw .failed(ownRegularFile ? "not a regular file of yours" : "not a regular file")
            }
            guard !ownRegularFile || info.st_uid == geteuid() else { throw .failed("not a regular file of yours") }
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw .failed(errorText()) }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            if bytes.count > limit { throw .failed("larger than \(limit) bytes") }
        }
    }

    /// Creates the directory and its missing parents; the last one gets `mode`.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(Failure) {
        var built = path.hasPrefix("/") ? "" : "."
        let parts = path.split(separator: "/")
        for (index, part) in parts.enumerated() {
            built += "/" + part
            if mkdir(built, index == parts.count - 1 ? mode : 0o755) != 0 && errno != EEXIST {
                throw .failed("\(built): \(errorText())")
            }
        }
    }

    /// Makes `base` (as makeDirectory does) and below it each of `names` in turn, each a
    /// directory private to this user (`privateDirectoryProblem`). `base` must be ours or
    /// root's, and not writable by others unless sticky (`baseProblem`): otherwise another
    /// user could swap a checked directory for a symbolic link. An existing one of ours
    /// that only others may read is tightened to 0700; anything else is refused with the
    /// problem. Returns the path.
    public static func makePrivateDirectories(_ names: [String], below base: String) throws(PrivateDirectoryFault) -> String {
        do { try makeDirectory(base) } catch {
            guard case let .failed(reason) = error else { throw .init(path: base, problem: "is missing") }
            throw .init(path: base, problem: "cannot be made (\(reason))")
        }
        if let problem = baseProblem(base) { throw .init(path: base, problem: problem) }
        var path = base
        for name in names {
            path += (path.hasSuffix("/") ? "" : "/") + name
            if mkdir(path, 0o700) != 0 && errno != EEXIST { throw .init(path: path, problem: "cannot be made (\(errorText()))") }
            var info = stat()
            guard lstat(path, &info) == 0 else { throw .init(path: path, problem: "cannot be read (\(errorText()))") }
            if let problem = privateDirectoryProblem(info) { throw .init(path: path, problem: problem) }
            let mode = info.st_mode & 0o7777
            if mode != 0o700 && chmod(path, 0o700) != 0 {
                throw .init(path: path, problem: "has mode \(octal(mode)), not 0700, and chmod failed (\(errorText()))")
            }
        }
        return path
    }

    /// Why the directory that holds our private ones may not (stat: it may be a link, to a
    /// directory that is itself sound): nil when it is ours or root's and not writable by
    /// others, or sticky (as /tmp is), so that no one else may rename our entries in it.
    public static func baseProblem(_ base: String) -> String? {
        var info = stat()
        guard stat(base, &info) == 0 else { return "cannot be read (\(errorText()))" }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "is not a directory" }
        guard info.st_uid == geteuid() || info.st_uid == 0 else {
            return "is owned by uid \(info.st_uid), not by you (uid \(geteuid())) or root"
        }
        guard info.st_mode & 0o022 == 0 || info.st_mode & S_ISVTX != 0 else {
            return "is writable by others without the sticky bit (mode \(octal(info.st_mode & 0o7777)))"
        }
        return nil
    }

    /// Why an lstat result is not a directory private to this user: a symbolic link, not
    /// a directory, another owner, or writable by others (who may have planted files in
    /// it). nil when it is ours (a mode other than 0700 is for the caller to tighten).
    /// The one rule for sign-ins and doctor.
    public static func privateDirectoryProblem(_ info: stat) -> String? {
        guard (info.st_mode & S_IFMT) != S_IFLNK else { return "is a symbolic link" }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "is not a directory" }
        guard info.st_uid == geteuid() else { return "is owned by uid \(info.st_uid), not by you (uid \(geteuid()))" }
        let mode = info.st_mode & 0o7777
        guard mode & 0o022 == 0 else { return "is writable by others (mode \(octal(mode)))" }
        return nil
    }

    public struct PrivateDirectoryFault: Error, Equatable, Sendable {
        public var path: String
        public var problem: String
    }

    public static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Writes through a temporary file in the same directory, then renames it over the
    /// target: readers see the old file or the new one, never a mix. The directory is
    /// created 0700 when missing; the file is 0600 whatever the umask.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws(Failure) {
        let directory = parent(of: path)
        try makeDirectory(directory)
        removeAbandonedTemporaries(of: path)
        // The writer's pid in the name: a process killed before its rename leaves a
        // temporary that the next writer (or reader) knows to be abandoned.
        var template = Array("\(path).tmp.\(getpid()).XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .failed("\(directory): \(errorText())") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        fchmod(fd, 0o600)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; let text = errorText(); close(fd); throw .failed(text) }
            offset += n
        }
        guard fsync(fd) == 0, close(fd) == 0 else { throw .failed(errorText()) }
        guard rename(temporary, path) == 0 else { throw .failed(errorText()) }
        done = true
    }

    public static func remove(_ path: String) { unlink(path) }

    /// Removes the temporaries of `path` whose writer is gone (`PATH.tmp.PID.XXXXXX`,
    /// no such process) and that are older than `abandonedAfter` seconds: what SIGKILL left
    /// between mkstemp and rename. A live writer's temporary is left alone, and so is a
    /// fresh one: a writer in another PID namespace sharing the directory (flatpak,
    /// toolbox) looks gone to kill(2).
    public static let abandonedAfter: Int = 60

    public static func removeAbandonedTemporaries(of path: String) {
        let directory = parent(of: path)
        let prefix = String(path.split(separator: "/").last ?? "") + ".tmp."
        guard let stream = opendir(directory) else { return }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard name.hasPrefix(prefix) else { continue }
            let parts = name.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = pid_t(parts[0]), pid > 0, pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            var info = stat()
            guard lstat(directory + "/" + name, &info) == 0,
                  Int(time(nil)) - Int(info.st_mtim.tv_sec) > abandonedAfter else { continue }
            unlink(directory + "/" + name)
        }
    }

    /// The executable `name` on `searchPath` (PATH's format; /usr/local/bin:/usr/bin:/bin
    /// when unset), or `name` itself when it holds a '/': a regular file we may execute.
    /// The one PATH lookup (doctor's checks, setup's notes and kubectl).
    public static func findExecutable(_ name: String, searchPath: String?) -> String? {
        func executable(_ candidate: String) -> Bool {
            var info = stat()
            return stat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(candidate, X_OK) == 0
        }
        if name.contains("/") { return executable(name) ? name : nil }
        for directory in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            if executable("\(directory)/\(name)") { return "\(directory)/\(name)" }
        }
        return nil
    }

    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// $HOME, or the password database's home when it is unset.
    public static func home() -> String {
        if let home = environment("HOME") { return home }
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }
}
