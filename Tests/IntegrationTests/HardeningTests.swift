import Foundation
import Testing

/// Issue 9, item 4: hostile numbers from the emulator end in a clean answer or one error
/// line, never a trap; and a crashing helper is not dumpable, writes no core and prints
/// no registers or memory.
@Suite("hardening: hostile numbers and crashes", .enabled(if: Harness.keyringReady && Harness.which("python3") != nil))
struct HardeningTests {
    static let int64Max = 9_223_372_036_854_775_807

    @Test("a device-code interval of INT64_MAX: one timeout line, exit 1, no trap")
    func hugeInterval() throws {
        let world = try SignInWorld()
        try world.emulator.control("config", ["device_interval": Self.int64Max])
        let result = try world.helper(["get-token", "--flow", "device-code", "--timeout", "3"])
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("To sign in") }
        #expect(lines.count == 1 && lines[0].contains("did not complete within"), "\(result.stderr)")
        #expect(!result.stderr.contains("overflow") && !result.stderr.contains("crashed"))
    }

    @Test("device-code expires_in and token lifetimes of INT64_MAX: signed in, the token served from the cache")
    func hugeLifetimes() throws {
        let world = try SignInWorld()
        try world.emulator.control("config", ["device_expires_in": Self.int64Max, "token_lifetime": Self.int64Max])
        let token = try world.signInWithDeviceCode()
        #expect(SignInWorld.claims(token)["aud"] as? String == "api://work")
        let cached = try world.helper(["get-token", "--no-interactive"])
        #expect(cached.status == 0, "\(cached.stderr)")
        #expect(cached.stdout.trimmingCharacters(in: .newlines) == token)
        let status = try world.helper(["status"])
        #expect(status.status == 0, "\(status.stderr)")
    }

    @Test("item 6: a lock directory others can write: no sign-in is started, one line names the fix")
    func unsafeLockDirectory() throws {
        let world = try SignInWorld()
        let directory = world.home.file("runtime/entra-credential-helper")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o777)
        let result = try world.helper(["get-token", "--flow", "device-code", "--timeout", "3"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("\(directory) is writable by others (mode 0777)")
                && lines[0].contains("chmod 700 '\(directory)'"), "\(result.stderr)")
        #expect(try world.emulator.counters()["devicecode"] as? Int == 0)
    }

    @Test("review 5: doctor checks the lock directory by the sign-ins' rule: it fails what they refuse, with their fix",
          arguments: ["a symbolic link", "another user's"])
    func doctorLockDirectory(kind: String) throws {
        let world = try SignInWorld()
        let directory = world.home.file("runtime/entra-credential-helper")
        let elsewhere = world.home.file("elsewhere")
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: world.home.file("runtime"), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if kind == "a symbolic link" {
            try FileManager.default.createSymbolicLink(atPath: directory, withDestinationPath: elsewhere)
        } else {
            try #require(getuid() == 0, "the tests run as root, to give a directory away")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            #expect(chown(directory, 65534, 65534) == 0)
        }
        let doctor = try world.helper(["doctor", "--output", "json"])
        let checks = try JSONSerialization.jsonObject(with: Data(doctor.stdout.utf8)) as? [[String: Any]] ?? []
        let check = try #require(checks.first { $0["name"] as? String == "lock directory" }, "\(doctor.stdout)")
        let problem = kind == "a symbolic link" ? "is a symbolic link" : "is owned by uid 65534, not by you (uid 0)"
        #expect(check["status"] as? String == "fail" && (check["detail"] as? String)?.contains("\(directory) \(problem)") == true, "\(check)")
        let fix = try #require(check["fix"] as? String)
        #expect(fix.contains("`rm -r '\(directory)'`"), "\(fix)")
        let signIn = try world.helper(["get-token", "--flow", "device-code", "--timeout", "3"])
        #expect(signIn.status == 1 && signIn.stderr.contains("\(directory) \(problem)") && signIn.stderr.contains(fix), "\(signIn.stderr)")
    }

    /// The helper blocked reading its stdin (a FIFO nobody writes), as another user when
    /// the tests run as root, so that /proc shows whether it is dumpable: the kernel makes
    /// a non-dumpable process's /proc/PID files root's.
    @Test("a crash signal: non-dumpable, no core file, no register or memory dump on stderr",
          arguments: [SIGSEGV, SIGILL])
    func crash(signal: Int32) throws {
        let dir = try TemporaryDirectory()
        chmod(dir.path, 0o777)  // the crashing process could write a core file here
        let fifo = dir.file("stdin")
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = open(fifo, O_RDWR | O_CLOEXEC)  // held open: the helper's read blocks
        defer { close(writer) }
        let asUser = getuid() == 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let child = try Spawned(["sh", "-c", #"cd "$0" && exec "$@""#, dir.path] + asUser + [Harness.binary, "git", "get"],
                                environment: ["PATH": Harness.environment["PATH"] ?? "/usr/bin:/bin", "HOME": dir.path,
                                              "AZURE_POD_IDENTITY_AUTHORITY_HOST": ManagedIdentityGuard.closedIMDS],
                                stdin: fifo, stdout: dir.file("out"), stderr: dir.file("err"))
        var reaped = false
        defer { if !reaped { kill(child.pid, SIGKILL); child.wait() } }
        // Wait until the helper itself (not sh or setpriv) sleeps in its read.
        let name = String(URL(fileURLWithPath: Harness.binary).lastPathComponent.prefix(15))
        var ready = false
        for _ in 0..<600 where !ready {
            let comm = (try? String(contentsOfFile: "/proc/\(child.pid)/comm", encoding: .utf8)) ?? ""
            let stat = (try? String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8)) ?? ""
            let state = stat.split(separator: ")").last?.split(separator: " ").first
            ready = comm.trimmingCharacters(in: .newlines) == name && state == "S"
            if !ready { usleep(20_000) }
        }
        try #require(ready, "the helper did not start")
        let owner = try FileManager.default.attributesOfItem(atPath: "/proc/\(child.pid)/status")[.ownerAccountID] as? Int
        let status = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
        let uid = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(separator: "\t").dropFirst().first
        #expect(uid != "0" && owner == 0, "dumpable: /proc/PID owned by \(owner ?? -1), the process's uid \(uid ?? "?")")
        let limits = try String(contentsOfFile: "/proc/\(child.pid)/limits", encoding: .utf8)
        let core = limits.split(separator: "\n").first { $0.hasPrefix("Max core file size") }?
            .split(separator: " ", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        // The soft limit is 0; the hard limit is the one inherited (ours), so that children
        // (the browser, kubectl) may still raise theirs.
        var mine = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &mine)
        let hard = mine.rlim_max == rlim_t.max ? "unlimited" : String(mine.rlim_max)
        #expect(core?.dropFirst(4).prefix(2) == ["0", Substring(hard)], "\(core ?? []), ours \(hard)")

        kill(child.pid, signal)
        // Bounded: a crash handler may never return (the toolchain's backtracer hung here
        // for a process of another user).
        var raw: Int32 = 0, ended = false
        for _ in 0..<3000 where !ended {
            ended = waitpid(child.pid, &raw, WNOHANG) == child.pid
            if !ended { usleep(20_000) }
        }
        reaped = ended
        #expect(ended, "the helper did not end within 60 s of the signal")
        #expect(ended && (raw & 0x7F) == signal, "wait status \(raw)")
        let stderr = (try? String(contentsOfFile: dir.file("err"), encoding: .utf8)) ?? "?"
        #expect(stderr.isEmpty, "the crash printed:\n\(stderr.prefix(2000))")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(!files.contains { $0.hasPrefix("core") }, "\(files)")
    }
}
