import Foundation
import Testing

/// The kernel's key quota for real: the helper runs as `nobody` (whose quota is the
/// default 20000 bytes; root's is far larger), against a keyring on a bus of its own.
/// The quota is filled with keys that are not ours, then a new access token must fit by
/// evicting only our key that expires first.
@Suite("kernel key quota", .enabled(if: Harness.keyringReady || Harness.integrationRequired))
struct KernelQuotaIntegrationTests {
    static let nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    /// Python's ctypes for the key calls, run as nobody: `fill` adds filler keys until the
    /// quota is full and then frees `room` bytes of them; `ours` lists our keys as
    /// "scopes expiry" lines (never a token); `clean` removes every key of this test.
    static let script = #"""
        import ctypes, sys
        libc = ctypes.CDLL(None, use_errno=True)
        USER = -4
        def add(desc, payload):
            return libc.syscall(248, b"user", desc, payload, len(payload), USER)
        def keyctl(*args):
            return libc.syscall(250, *args)
        def keys():
            buf = ctypes.create_string_buffer(4096)
            n = keyctl(11, USER, buf, 4096)
            serials = [int.from_bytes(buf.raw[i:i + 4], "little", signed=True) for i in range(0, max(n, 0), 4)]
            out = []
            for s in serials:
                d = ctypes.create_string_buffer(512)
                if keyctl(6, s, d, 512) > 0:
                    out.append((s, d.value.decode().split(";", 4)[4]))
            return out
        action = sys.argv[1]
        if action == "fill":
            fillers = []
            while True:
                s = add(b"quota-test:filler:%d" % len(fillers), b"f" * 300)
                if s < 0:
                    break
                fillers.append(s)
            room = int(sys.argv[2])
            for s in fillers[:room // 300]:
                keyctl(2, s, b"f", 1)  # shrink: the quota comes back at once
                keyctl(21, s)
            print(len(fillers))
        elif action == "ours":
            for s, d in keys():
                if d.startswith("entra-credential-helper:at:"):
                    buf = ctypes.create_string_buffer(16384)
                    n = keyctl(11, s, buf, 16384)
                    lines = buf.raw[:n].decode().split("\n")
                    print(lines[5], lines[1])
        elif action == "clean":
            for s, d in keys():
                if d.startswith("quota-test:") or d.startswith("entra-credential-helper:at:"):
                    keyctl(21, s)
        """#

    func keys(_ action: String, _ arguments: [String] = []) throws -> Outcome {
        try run(Self.nobody + ["/usr/bin/python3", "-c", Self.script, action] + arguments)
    }

    @Test("a full quota: the new token is cached, only our soonest-expiring key is evicted, others' keys stay")
    func evictsOnlyWhatIsNeeded() throws {
        let bus = try PrivateBus(.anyUser)
        defer { bus.stop() }
        try bus.startKeyring()
        let world = try SignInWorld()
        #expect(try run(["chown", "-R", "65534:65534", world.home.path]).status == 0)
        world.launcher = Self.nobody
        world.extra["DBUS_SESSION_BUS_ADDRESS"] = bus.address
        _ = try keys("clean")
        defer { _ = try? keys("clean") }

        try world.emulator.control("config", ["token_lifetime": 3000])
        _ = try world.signInWithDeviceCode(["--scope", "api://soon/.default"])
        try world.emulator.control("config", ["token_lifetime": 6000])
        #expect(try world.helper(["get-token", "--no-interactive", "--scope", "api://later/.default"]).status == 0)
        let before = try keys("ours")
        #expect(before.stdout.contains("api://soon/.default") && before.stdout.contains("api://later/.default"), "\(before)")

        let filled = try keys("fill", ["600"])
        #expect(filled.status == 0 && Int(filled.stdout.trimmingCharacters(in: .newlines)) ?? 0 > 10, "\(filled)")
        let got = try world.helper(["get-token", "--no-interactive", "--scope", "api://new/.default"])
        #expect(got.status == 0, "\(got.stderr)")

        let after = try keys("ours").stdout
        #expect(after.contains("api://new/.default"), "the new token was not cached: \(after)")
        #expect(!after.contains("api://soon/.default"), "the soonest-expiring key stayed: \(after)")
        #expect(after.contains("api://later/.default"), "a key was evicted that did not need to be: \(after)")
        #expect(try world.helper(["get-token", "--no-interactive", "--scope", "api://later/.default"]).status == 0)
    }
}
