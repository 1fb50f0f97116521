import Foundation
import Testing

/// What the test command (`scripts/test.sh`) provides, and where things are.
enum Harness {
    /// The test process's environment, with IMDS overridden to a closed loopback port
    /// (ManagedIdentityGuard: no child may reach 169.254.169.254).
    static let environment = ProcessInfo.processInfo.environment.merging(
        ["AZURE_POD_IDENTITY_AUTHORITY_HOST": ManagedIdentityGuard.closedIMDS]) { _, loopback in loopback }

    /// A private gnome-keyring on the session bus, started by `scripts/with-keyring.sh`.
    static var keyringReady: Bool {
        environment["ECH_KEYRING_READY"] == "1" && environment["DBUS_SESSION_BUS_ADDRESS"] != nil
    }

    /// Set by the test command: every real-component test must run, none may skip.
    static var integrationRequired: Bool { environment["ECH_REQUIRE_INTEGRATION"] == "1" }

    /// The helper under test: ECH_BINARY, else the one `swift test` built beside the tests.
    static var binary: String {
        if let path = environment["ECH_BINARY"] { return path }
        let tests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return tests.appendingPathComponent("entra-credential-helper").path
    }

    /// git-credential-libsecret built from git's contrib sources by the test command.
    static var gitPeer: String? {
        guard let path = environment["ECH_PEER_GIT"], FileManager.default.isExecutableFile(atPath: path) else { return nil }
        return path
    }

    static func which(_ name: String) -> String? {
        for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static var dockerPeer: String? { which("docker-credential-secretservice") }
}

/// One finished command.
struct Outcome {
    var stdout: String
    var stderr: String
    var status: Int32
    var seconds: Double
}

/// Runs a command with a hard time limit (GNU timeout), stdin from a string, output
/// captured through files so that nothing can deadlock on a full pipe. Uses
/// posix_spawn and waitpid: Foundation's Process can leave its child unreaped when
/// waited on from concurrent tests.
func run(
    _ argv: [String], stdin: String = "", environment extra: [String: String] = [:],
    removing: [String] = [], timeout: Int = 60
) throws -> Outcome {
    let dir = try TemporaryDirectory()
    let input = try dir.write("stdin", stdin)
    let output = dir.file("stdout"), errors = dir.file("stderr")
    var env = Harness.environment
    for key in removing { env.removeValue(forKey: key) }
    env.merge(extra) { _, new in new }
    let start = Date()
    let child = try Spawned(["/usr/bin/timeout", "-k", "5", String(timeout)] + argv, environment: env,
                            stdin: input, stdout: output, stderr: errors)
    let status = child.wait()
    return Outcome(
        stdout: try String(contentsOfFile: output, encoding: .utf8),
        stderr: try String(contentsOfFile: errors, encoding: .utf8),
        status: status,
        seconds: Date().timeIntervalSince(start))
}

/// A child process started with posix_spawn.
final class Spawned {
    let pid: pid_t
    private var reaped = false
    private var status: Int32 = 0

    init(_ argv: [String], environment: [String: String], stdin: String = "/dev/null",
         stdout: String = "/dev/null", stderr: String = "/dev/null") throws {
        try ManagedIdentityGuard.check(argv, environment: environment)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The test threads block signals; a child must not inherit that, or SIGTERM
        // (ours, or timeout's) would never reach it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cArgs + cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        self.pid = pid
    }

    /// Waits for the exit and returns the exit status (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        if reaped { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        reaped = true
        status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        return status
    }

    /// SIGTERM, then SIGKILL if it is still there after two seconds.
    func terminate() {
        guard !reaped else { return }
        kill(pid, SIGTERM)
        for _ in 0..<100 {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                reaped = true
                return
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        wait()
    }

    /// Whether it has exited (reaping it if so).
    var exited: Bool {
        if reaped { return true }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
        reaped = true
        status = (raw & 0x7F) == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        return true
    }

    /// Waits for a server's `--port-file` (written atomically once it listens), then for the
    /// port to accept connections; returns the port. Throws with the log when it exits first.
    func waitForPortFile(_ portFile: String, log: String, seconds: Int = 30) throws -> Int {
        for _ in 0..<(seconds * 20) {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8),
               let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                try waitUntilListening(on: port, log: log)
                return port
            }
            if exited { break }
            usleep(50_000)
        }
        throw ServerDidNotStart(port: 0, log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Waits until the server accepts connections on the port. A loaded 2-core CI machine
    /// (valgrind runs alongside) can take seconds, so the bound is generous; a server that
    /// exits or never listens throws with its log.
    func waitUntilListening(on port: Int, log: String, seconds: Int = 60) throws {
        for _ in 0..<(seconds * 20) {
            if listening(on: port) { return }
            if exited { break }
            usleep(50_000)
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw ServerDidNotStart(port: port, log: String(text.suffix(2000)))
    }

    deinit { terminate() }
}

struct ServerDidNotStart: Error, CustomStringConvertible {
    let port: Int
    let log: String
    var description: String { "server did not listen on 127.0.0.1:\(port): \(log)" }
}

/// A directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "ech-test.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    @discardableResult
    /// An executable script, written through a close-on-exec descriptor: a write descriptor
    /// that a child spawned meanwhile by a parallel test inherited would make exec of the
    /// script fail with ETXTBSY ("text file busy") for as long as that child lives.
    func writeExecutable(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw ControlFailed(text: "cannot write \(target): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw ControlFailed(text: "short write to \(target)")
        }
        fchmod(fd, 0o755)
        return target
    }

    func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }
}

/// A bin directory holding the helper under the names git and docker look for.
final class HelperBin {
    let dir: TemporaryDirectory
    var path: String { dir.path }

    init() throws {
        dir = try TemporaryDirectory()
        for name in ["git-credential-entra", "docker-credential-entra", "entra-credential-helper"] {
            try FileManager.default.createSymbolicLink(atPath: dir.file(name), withDestinationPath: Harness.binary)
        }
    }

    /// PATH with this directory first.
    var searchPath: String { "\(path):\(Harness.environment["PATH"] ?? "/usr/bin:/bin")" }
}

/// A unique host name per test, so that tests sharing one keyring never meet.
func uniqueHost(_ label: String) -> String {
    "\(label)-\(UUID().uuidString.prefix(8).lowercased()).example"
}

/// 127.0.0.1:port as a socket address.
private func loopback(_ port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return address
}

/// A free TCP port on 127.0.0.1 (bound to port 0, read back, released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = loopback(0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            _ = bind(fd, $0, length)
            _ = getsockname(fd, $0, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:port.
func listening(on port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = loopback(port)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
