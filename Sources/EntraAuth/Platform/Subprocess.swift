import HelperCore

#if canImport(Glibc)
import Glibc
#endif

/// Every process the helper starts goes through here: `spawn` starts one with stdin on
/// /dev/null and its output either captured or on /dev/null (so nothing it prints can
/// reach the protocol on our stdout), and `run` is spawn + a bounded read + wait, for a
/// short helper command (git config, doctor's and setup's tools). The child inherits our
/// environment and finds its program on PATH (posix_spawnp).
public enum Subprocess {
    /// Where the child's stdout and stderr go.
    public enum Output: Sendable {
        /// Both to /dev/null (a browser launcher, which is never read).
        case discarded
        /// stdout to a pipe; stderr to /dev/null.
        case stdout
        /// stdout and stderr to the same pipe, interleaved (for a tool's error message).
        case stdoutAndStderr
    }

    /// A started child. Reap it with `wait` or `exitIfDone`, once.
    public struct Child {
        public let pid: pid_t
        /// The read end of its output pipe (nil when the output is discarded); the caller
        /// closes it.
        public let output: Int32?

        /// The raw wait status once the child has exited, blocking until then. EINTR is
        /// retried; another failure reads as a zero status.
        public func wait() -> Int32 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return status
        }

        /// The raw wait status if the child has exited, without blocking; nil while it
        /// runs (or when it cannot be waited for).
        public func exitIfDone() -> Int32? {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            return status
        }
    }

    /// The exit code in a raw wait status, or nil when a signal ended the child.
    public static func exitCode(_ status: Int32) -> Int32? {
        (status & 0x7F) == 0 ? (status >> 8) & 0xFF : nil
    }

    /// Starts `argv` (the program looked up on PATH); nil when it could not be started.
    /// `ownProcessGroup`: in a new process group, so that a Ctrl-C meant for us does not
    /// reach it.
    public static func spawn(_ argv: [String], output: Output, ownProcessGroup: Bool = false) -> Child? {
        guard !argv.isEmpty else { return nil }
        var readEnd: Int32 = -1
        var writeEnd: Int32 = -1
        if output != .discarded {
            var pipeEnds: [Int32] = [-1, -1]
            guard pipe(&pipeEnds) == 0 else { return nil }
            (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
            // Not inherited by anything else this process starts (dup2 clears it for fd 1).
            _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        switch output {
        case .discarded:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .stdout:
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .stdoutAndStderr:
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if ownProcessGroup { posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)) }
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, environ) == 0
        if writeEnd >= 0 { close(writeEnd) }
        guard spawned else {
            if readEnd >= 0 { close(readEnd) }
            return nil
        }
        return Child(pid: pid, output: readEnd >= 0 ? readEnd : nil)
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
    }

    /// Runs `argv` to the end and captures its stdout, bounded in time. nil when the
    /// command could not be started, did not finish within the bound (it is killed then)
    /// or was ended by a signal. At most 64 KiB of output is kept. `stderrToStdout`:
    /// capture its stderr too (for a tool's error message), interleaved with stdout;
    /// otherwise stderr is /dev/null. `clock` bounds the wait.
    public static func run(_ argv: [String], timeoutMilliseconds: Int = 2_000, stderrToStdout: Bool = false,
                           clock: any TimeSource = SystemTime()) -> Result? {
        guard let child = spawn(argv, output: stderrToStdout ? .stdoutAndStderr : .stdout),
              let readEnd = child.output else { return nil }
        defer { close(readEnd) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = clock.monotonicMilliseconds + Int64(timeoutMilliseconds)
        var finished = false
        while true {
            let left = deadline - clock.monotonicMilliseconds
            guard left > 0 else { break }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(left))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { break }
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { finished = true; break }
            if output.count < 65_536 { output += buffer[0..<n] }
        }
        if !finished { kill(child.pid, SIGKILL) }
        let status = child.wait()
        guard finished, let code = exitCode(status) else { return nil }
        return Result(status: code, stdout: String(decoding: output, as: UTF8.self))
    }
}

/// Reads git's configuration the way git's own helpers see it (the child inherits
/// GIT_CONFIG_PARAMETERS, so `git -c key=value` counts too).
public struct GitConfig {
    let command: [String]

    public init(environment: (String) -> String?) {
        command = [environment("GIT_EXEC_PATH").map { $0 + "/git" } ?? "git"]
    }

    /// `command`: git and any options before `config` (tests pass `-c key=value`).
    public init(command: [String]) { self.command = command }

    /// The last value of `key`, or nil when unset (or git is not there).
    public func value(_ key: String) -> String? {
        guard let result = Subprocess.run(command + ["config", "--get", key]), result.status == 0 else { return nil }
        let value = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return value.isEmpty ? nil : value
    }
}
