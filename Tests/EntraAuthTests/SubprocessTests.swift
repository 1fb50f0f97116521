import Foundation
import Testing
@testable import EntraAuth

// The one spawning API (Subprocess.spawn) as the browser launcher and `run` use it, and
// the one PATH lookup. A child's descriptors and process group are read from /proc
// while it runs.

/// What /proc says about a running (or exited, not yet reaped) child.
private struct ProcessView {
    let pid: pid_t

    func descriptor(_ fd: Int) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")
    }

    /// Fields after the command name of /proc/PID/stat: [0] state, [2] process group.
    var stat: [String] {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return [] }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    var processGroup: pid_t? { stat.count > 2 ? pid_t(stat[2]) : nil }

    /// Waits (without reaping it) until the child has exited: a zombie, or gone. Gone counts
    /// too: the test process runs other suites beside this one, and a child reaped there
    /// (or anything that makes /proc/PID unreadable) must not hold this loop for its whole
    /// bound, which under load was 90 s.
    func awaitExit() -> Bool {
        for _ in 0..<2_000 {
            let state = stat.first
            if state == "Z" || state == nil { return true }
            usleep(5_000)
        }
        return false
    }
}

@Suite("subprocess: spawning")
struct SubprocessSpawnTests {
    @Test("discarded output: stdin, stdout and stderr are /dev/null; own process group when asked")
    func discarded() throws {
        let child = try #require(Subprocess.spawn(["sleep", "30"], output: .discarded, ownProcessGroup: true))
        defer { kill(child.pid, SIGKILL); _ = child.wait() }
        let view = ProcessView(pid: child.pid)
        #expect(child.output == nil)
        #expect([0, 1, 2].map(view.descriptor) == ["/dev/null", "/dev/null", "/dev/null"])
        #expect(view.processGroup == child.pid)
    }

    @Test("captured stdout: a pipe on 1, /dev/null on 0 and 2, our process group by default")
    func stdout() throws {
        let child = try #require(Subprocess.spawn(["sleep", "30"], output: .stdout))
        defer { kill(child.pid, SIGKILL); _ = child.wait(); if let fd = child.output { close(fd) } }
        let view = ProcessView(pid: child.pid)
        #expect(child.output != nil)
        #expect(view.descriptor(0) == "/dev/null")
        #expect(view.descriptor(1)?.hasPrefix("pipe:") == true)
        #expect(view.descriptor(2) == "/dev/null")
        #expect(view.processGroup == getpgrp())
    }

    @Test("stdout and stderr captured: the same pipe on 1 and 2")
    func stdoutAndStderr() throws {
        let child = try #require(Subprocess.spawn(["sleep", "30"], output: .stdoutAndStderr))
        defer { kill(child.pid, SIGKILL); _ = child.wait(); if let fd = child.output { close(fd) } }
        let view = ProcessView(pid: child.pid)
        #expect(view.descriptor(1)?.hasPrefix("pipe:") == true)
        #expect(view.descriptor(2) == view.descriptor(1))
        #expect(Subprocess.run(["sh", "-c", "echo out; echo err >&2"], stderrToStdout: true)?.stdout == "out\nerr\n")
        #expect(Subprocess.run(["sh", "-c", "echo out; echo err >&2"])?.stdout == "out\n")
    }

    @Test("a program that is not there is not started, and a signal is not an exit code")
    func failures() throws {
        #expect(Subprocess.spawn(["/nonexistent/program"], output: .discarded) == nil)
        #expect(Subprocess.spawn([], output: .stdout) == nil)
        #expect(Subprocess.run(["sh", "-c", "kill -9 $$"]) == nil)
        let child = try #require(Subprocess.spawn(["sh", "-c", "exit 3"], output: .discarded))
        #expect(Subprocess.exitCode(child.wait()) == 3)
    }
}

@Suite("browser launcher: the launched process")
struct BrowserLaunchTests {
    /// A $BROWSER script in a fresh directory.
    static func browser(_ body: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ech-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("browser").path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// Run through /bin/sh rather than exec'd itself: a script just written can be "text
    /// file busy" to exec while a test running beside this one forks with the write still
    /// open (the launch then fails, which is not what these tests are about).
    static func launch(_ browser: String) -> SpawnedBrowser? {
        SystemBrowserLauncher(environment: { $0 == "BROWSER" ? "/bin/sh " + browser : nil })
            .launch(url: "https://example.invalid/") as? SpawnedBrowser
    }

    @Test("the browser runs with /dev/null stdio in its own process group; killed, it has failed")
    func running() throws {
        let script = try Self.browser("exec sleep 30")
        defer { try? FileManager.default.removeItem(atPath: (script as NSString).deletingLastPathComponent) }
        let launched = try #require(Self.launch(script))
        let view = ProcessView(pid: launched.child.pid)
        #expect([0, 1, 2].map(view.descriptor) == ["/dev/null", "/dev/null", "/dev/null"])
        #expect(view.processGroup == launched.child.pid)
        #expect(!launched.hasFailed())
        kill(launched.child.pid, SIGKILL)
        #expect(view.awaitExit())
        #expect(launched.hasFailed())
        #expect(launched.hasFailed())
    }

    @Test("a launcher that exits non-zero has failed; one that exits zero has not", arguments: [("exit 1", true), ("exit 0", false)])
    func exited(script: String, failed: Bool) throws {
        let browser = try Self.browser(script)
        defer { try? FileManager.default.removeItem(atPath: (browser as NSString).deletingLastPathComponent) }
        let launched = try #require(Self.launch(browser))
        #expect(ProcessView(pid: launched.child.pid).awaitExit())
        #expect(launched.hasFailed() == failed)
        #expect(launched.hasFailed() == failed)
    }

    @Test("a browser that cannot be started gives no launched browser")
    func missing() {
        #expect(SystemBrowserLauncher(environment: { $0 == "BROWSER" ? "/nonexistent/browser" : nil })
            .launch(url: "https://example.invalid/") == nil)
    }
}

@Suite("PATH lookup")
struct FindExecutableTests {
    @Test("the first regular executable file on the search path; not a directory, not a plain file")
    func lookup() throws {
        let manager = FileManager.default
        let root = manager.temporaryDirectory.appendingPathComponent("ech-path-\(UUID().uuidString)").path
        for name in ["a", "b", "c"] { try manager.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true) }
        defer { try? manager.removeItem(atPath: root) }
        func file(_ path: String, mode: mode_t) {
            manager.createFile(atPath: path, contents: Data("#!/bin/sh\n".utf8))
            chmod(path, mode)
        }
        file("\(root)/a/tool", mode: 0o644)  // not executable
        try manager.createDirectory(atPath: "\(root)/a/dir", withIntermediateDirectories: true)  // searchable directory
        file("\(root)/b/tool", mode: 0o755)
        file("\(root)/c/tool", mode: 0o755)
        file("\(root)/c/dir", mode: 0o755)
        let path = "::\(root)/a:\(root)/missing:\(root)/b:\(root)/c"
        #expect(Files.findExecutable("tool", searchPath: path) == "\(root)/b/tool")
        #expect(Files.findExecutable("dir", searchPath: path) == "\(root)/c/dir")
        #expect(Files.findExecutable("dir", searchPath: "\(root)/a") == nil)
        #expect(Files.findExecutable("tool", searchPath: "\(root)/a") == nil)
        #expect(Files.findExecutable("nothing", searchPath: path) == nil)
        #expect(Files.findExecutable("\(root)/c/tool", searchPath: "") == "\(root)/c/tool")
        #expect(Files.findExecutable("\(root)/a/tool", searchPath: path) == nil)
        #expect(Files.findExecutable("sh", searchPath: nil).map { ["/usr/bin/sh", "/bin/sh", "/usr/local/bin/sh"].contains($0) } == true)
    }
}
