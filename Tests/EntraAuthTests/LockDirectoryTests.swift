import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// Issue 9, item 6: the lock directory and the files in it are trusted only when they are
/// this user's alone; nothing planted there is followed.
@Suite("sign-in lock directory: private, never followed")
struct LockDirectoryTests {
    let root: String
    let key = SignInKey(profile: EngineHarness().profile)

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ech-lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/runtime", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    var locker: FileLocker { FileLocker(environment: { $0 == "XDG_RUNTIME_DIR" ? root + "/runtime" : nil }) }
    var directory: String { root + "/runtime/entra-credential-helper" }

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    func expectRefused(_ path: String, _ problem: String) {
        let error = #expect(throws: HelperError.self) { try locker.acquire(key, seconds: 1) }
        #expect(error == .unsafeLockPath(path: path, problem: problem))
        let message = error?.message ?? ""
        #expect(!message.contains("\n") && message.contains("chmod 700 ") && message.contains("rm -r \(Sanitize.shellWord(path))"), "\(message)")
    }

    /// The base is never to be removed: the fix tightens it or names another directory.
    func expectBaseRefused(_ path: String, _ problem: String) {
        let error = #expect(throws: HelperError.self) { try locker.acquire(key, seconds: 1) }
        #expect(error == .unsafeLockBase(path: path, problem: problem))
        let message = error?.message ?? ""
        #expect(!message.contains("\n") && !message.contains("rm ") && message.contains("chmod go-w \(Sanitize.shellWord(path))")
                && message.contains("XDG_RUNTIME_DIR"), "\(message)")
    }

    @Test("made 0700 when missing; the lock works")
    func made() throws {
        defer { cleanUp() }
        let lock = try locker.acquire(key, seconds: 1)
        lock.release()
        let attributes = try FileManager.default.attributesOfItem(atPath: directory)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
    }

    @Test("a directory writable by others is refused, and nothing is made in it", arguments: [0o777, 0o770, 0o1777])
    func writableByOthers(mode: Int) throws {
        defer { cleanUp() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        chmod(directory, mode_t(mode))
        expectRefused(directory, "is writable by others (mode \(Files.octal(mode_t(mode))))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        locker.recordAbandoned(key, at: 1_800_000_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("one of ours that others may only read (as earlier versions made it) is tightened to 0700")
    func tightened() throws {
        defer { cleanUp() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        chmod(directory, 0o755)
        try locker.acquire(key, seconds: 1).release()
        #expect((try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int) == 0o700)
    }

    @Test("a symbolic link in place of the directory is refused, not followed")
    func symlinkedDirectory() throws {
        defer { cleanUp() }
        let elsewhere = root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createSymbolicLink(atPath: directory, withDestinationPath: elsewhere)
        expectRefused(directory, "is a symbolic link")
        locker.recordAbandoned(key, at: 1_800_000_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
    }

    @Test("a symbolic link in place of the lock file is refused; its target is neither made nor touched")
    func symlinkedLockFile() throws {
        defer { cleanUp() }
        try locker.acquire(key, seconds: 1).release()
        let lockFile = "\(directory)/\(key.digest).lock"
        try FileManager.default.removeItem(atPath: lockFile)
        let target = root + "/target"
        try FileManager.default.createSymbolicLink(atPath: lockFile, withDestinationPath: target)
        expectRefused(lockFile, "is a symbolic link")
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("a symbolic link in place of the cool-down marker is not read, and is replaced rather than written through")
    func symlinkedMarker() throws {
        defer { cleanUp() }
        try locker.acquire(key, seconds: 1).release()
        let target = root + "/target"
        try Data("1800000000\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: locker.markerPath(key), withDestinationPath: target)
        #expect(locker.lastAbandoned(key) == nil)
        locker.recordAbandoned(key, at: 1_900_000_000)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "1800000000\n")
        #expect(locker.lastAbandoned(key) == 1_900_000_000)
    }

    @Test("a directory owned by another user is refused")
    func otherOwner() throws {
        defer { cleanUp() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if getuid() == 0 {
            #expect(chown(directory, 65534, 65534) == 0)
            expectRefused(directory, "is owned by uid 65534, not by you (uid 0)")
            locker.recordAbandoned(key, at: 1_800_000_000)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)  // no lock file, no marker
        } else {  // not root: a directory root owns
            #expect(throws: HelperError.unsafeLockPath(path: "/root", problem: "is owned by uid 0, not by you (uid \(getuid()))")) {
                try FileLocker(base: "/", names: ["root"]).acquire(key, seconds: 1)
            }
        }
    }

    @Test("a FIFO in place of the cool-down marker is no marker, and reading it does not block")
    func fifoMarker() throws {
        defer { cleanUp() }
        try locker.acquire(key, seconds: 1).release()
        let marker = locker.markerPath(key)
        #expect(mkfifo(marker, 0o600) == 0)
        let done = DispatchSemaphore(value: 0)
        let read = Locked<Int64??>(nil)
        let runtime = root + "/runtime", key = self.key
        Thread.detachNewThread {
            read.set(.some(FileLocker(environment: { $0 == "XDG_RUNTIME_DIR" ? runtime : nil }).lastAbandoned(key)))
            done.signal()
        }
        let returned = done.wait(timeout: .now() + 30) == .success
        if !returned {  // unblock the reader so that the test ends
            let writer = open(marker, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            _ = done.wait(timeout: .now() + 5)
        }
        #expect(returned, "lastAbandoned blocked on a FIFO")
        #expect(read.get() == .some(nil))
    }

    @Test("a base (XDG_RUNTIME_DIR) writable by others without the sticky bit is refused; nothing is made in it",
          arguments: [0o777, 0o775, 0o757])
    func baseWritableByOthers(mode: Int) throws {
        defer { cleanUp() }
        chmod(root + "/runtime", mode_t(mode))
        expectBaseRefused(root + "/runtime", "is writable by others without the sticky bit (mode \(Files.octal(mode_t(mode))))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/runtime").isEmpty)
    }

    @Test("a sticky base open to all (as /tmp is) is accepted")
    func stickyBase() throws {
        defer { cleanUp() }
        chmod(root + "/runtime", 0o1777)
        try locker.acquire(key, seconds: 1).release()
        #expect(FileManager.default.fileExists(atPath: "\(directory)/\(key.digest).lock"))
    }

    @Test("a base owned by another user (not root) is refused")
    func baseOtherOwner() throws {
        defer { cleanUp() }
        if getuid() == 0 {
            #expect(chown(root + "/runtime", 65534, 65534) == 0)
            expectBaseRefused(root + "/runtime", "is owned by uid 65534, not by you (uid 0) or root")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/runtime").isEmpty)
        } else {  // not root: root's own directories are a fine base
            #expect(Files.baseProblem("/") == nil)
        }
    }
}

/// A value shared with a detached thread.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ new: Value) { lock.withLock { value = new } }
}
