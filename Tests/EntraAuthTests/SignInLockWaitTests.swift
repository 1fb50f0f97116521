import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// The wait for a lock another holder keeps, on the injected clock: bounded by `seconds`,
/// in short steps, without real sleeping.
@Suite("sign-in lock: waiting for another holder")
struct SignInLockWaitTests {
    let runtime = FileManager.default.temporaryDirectory.appendingPathComponent("ech-wait-\(UUID().uuidString)").path
    let key = SignInKey(profile: EngineHarness().profile)

    func locker(_ clock: any TimeSource) -> FileLocker {
        FileLocker(environment: { [runtime] in $0 == "XDG_RUNTIME_DIR" ? runtime : nil }, clock: clock)
    }

    @Test("held elsewhere: polled every 5 ms until `seconds` pass, then .lockTimeout naming the file")
    func timesOut() throws {
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        let holder = try locker(SystemTime()).acquire(key, seconds: 1)  // another open file: flock refuses it to the next
        defer { holder.release() }
        let clock = FakeTime()
        let waiter = locker(clock)
        #expect(throws: HelperError.lockTimeout(path: "\(waiter.directory)/\(key.digest).lock", seconds: 2)) {
            try waiter.acquire(key, seconds: 2)
        }
        #expect(clock.slept == Array(repeating: 5, count: 400))
        #expect(clock.monotonicMilliseconds == 2_000)
    }

    @Test("released: the next waiter gets it at once, without waiting")
    func free() throws {
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        try locker(SystemTime()).acquire(key, seconds: 1).release()
        let clock = FakeTime()
        try locker(clock).acquire(key, seconds: 2).release()
        #expect(clock.slept.isEmpty)
    }
}
