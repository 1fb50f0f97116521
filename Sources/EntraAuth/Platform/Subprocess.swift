import HelperCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs a short helper command (git) and captures its stdout, bounded in time: stdin and
/// stderr are /dev/null, so nothing it prints reaches the protocol on our stdout.
public enum Subprocess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
    }

    /// nil when the command could not be started or did not finish within the bound (it
    /// is killed then). At most 64 KiB of output is kept. `stderrToStdout`: capture its
    /// stderr too (for a tool's error message), interleaved with stdout. `clock` bounds the wait.
    public static func run(_ argv: [String], timeoutMilliseconds: Int = 2_000, stderrToStdout: Bool = false,
                           clock: any TimeSource = SystemTime()) -> Result? {
        guard !argv.isEmpty else { return nil }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return nil }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        // Not inherited by anything else this process starts (dup2 clears it for fd 1).
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        if stderrToStdout {
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ) == 0
        close(writeEnd)
        defer { close(readEnd) }
        guard spawned else { return nil }

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
        if !finished { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard finished, (status & 0x7F) == 0 else { return nil }
        return Result(status: (status >> 8) & 0xFF, stdout: String(decoding: output, as: UTF8.self))
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
