import Foundation
import Testing

/// A helper killed with SIGKILL at each step of a refresh loses nothing: the next call
/// still gets a token without a prompt (or, when Entra has revoked the old refresh token,
/// says in one line to sign in), and no item or file is left half-written. The helper runs
/// under gdb, which stops it at the step and kills it there; nothing in the shipped binary
/// knows about the test.
@Suite("killed mid-refresh", .enabled(if: Harness.keyringReady && (Harness.which("gdb") != nil || Harness.integrationRequired)))
struct KillMidRefreshTests {
    struct Step: CustomTestStringConvertible, Sendable {
        let name: String
        /// gdb commands: where to stop (before `run`) and what to do once stopped (before `kill`).
        let stop: [String]
        var then: [String] = []
        var store = "secret-service"
        var accessCache: String?
        /// Entra revokes the old refresh token after the kill (single-use rotation).
        var revokeOld = false
        /// What gdb must have said: proof that the step was reached as meant.
        var shows: [String] = []
        var testDescription: String { name }
    }

    /// The Secret Service's CreateItem call, at our GLib stub (one location: libgio's own
    /// function would be a second).
    static var createItem: String {
        let stubs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/CGLibLoader/stubs.c").standardized.path
        let lines = ((try? String(contentsOfFile: stubs, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        let line = (lines.firstIndex { $0.contains(" g_dbus_connection_call_sync(") } ?? -1) + 1
        return #"break stubs.c:\#(line) if $_streq(a4, "CreateItem")"#
    }

    static let steps: [Step] = [
        Step(name: "before the grant is sent", stop: ["break ech_http_perform"]),
        Step(name: "after the answer arrives, before anything is stored", stop: ["break ech_http_perform"],
             then: ["finish"], shows: ["Value returned"]),
        Step(name: "after the answer arrives, Entra revoking the old refresh token", stop: ["break ech_http_perform"],
             then: ["finish"], revokeOld: true, shows: ["Value returned"]),
        Step(name: "as the refresh token's keyring write starts", stop: [createItem]),
        Step(name: "with the keyring write sent, its answer pending", stop: [createItem],
             then: ["break sendmsg", "continue", "finish"], shows: ["hit Breakpoint 2", "Value returned"]),
        Step(name: "after the keyring write, before the access-token cache write", stop: [createItem],
             then: ["finish"], shows: ["Value returned"]),
        Step(name: "as the kernel keyring write starts", stop: ["catch syscall add_key"]),
        Step(name: "inside the kernel keyring write (added, no timeout yet)", stop: ["catch syscall add_key"],
             then: ["continue"], shows: ["returned from syscall add_key"]),
        Step(name: "as the Secret Service access-token cache write starts", stop: [createItem, "ignore 1 1"],
             then: ["info breakpoints"], accessCache: "secret-service", shows: ["already hit 2 times"]),
        Step(name: "token file: written, synced, not yet renamed", stop: ["break rename"], store: "file"),
        Step(name: "token file: during the write", stop: ["break fsync"], store: "file"),
        Step(name: "token file: the access-token write, before its rename", stop: ["break rename", "ignore 1 1"],
             then: ["info breakpoints"], store: "file", shows: ["already hit 2 times"]),
    ]

    func refreshItems(_ world: SignInWorld) throws -> [String] {
        let found = try run(["secret-tool", "search", "--all", "xdg:schema", "io.github.entra-credential-helper.RefreshToken",
                             "client_id", world.clientID])
        return found.stdout.split(separator: "\n").filter { $0.hasPrefix("secret = ") }.map { String($0.dropFirst(9)) }
    }

    @Test("the next call still gets a token silently, or says to sign in; nothing half-written", arguments: steps)
    func killedAt(_ step: Step) throws {
        let world = try SignInWorld()
        world.extra["ENTRA_CREDENTIAL_HELPER_STORE"] = step.store
        if let cache = step.accessCache { world.extra["ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE"] = cache }
        _ = try world.signInWithDeviceCode()
        let stateDirectory = world.home.file("state/entra-credential-helper")
        let oldRefresh = step.store == "file" ? nil : try refreshItems(world).first
        try world.emulator.control("reset-counters", [:])

        var argv = ["gdb", "-nx", "-batch"]
        for command in ["set startup-with-shell off", "set pagination off", "set confirm off", "set breakpoint pending on"]
            + step.stop + ["run"] + step.then + ["kill"] {
            argv += ["-ex", command]
        }
        argv += ["--args", Harness.binary, "get-token", "--force", "--no-interactive"]
        let killed = try run(argv, environment: world.environment, removing: SignInWorld.unset, timeout: 120)
        #expect(["Breakpoint 1,", "Breakpoint 1.", "Catchpoint 1 (call to syscall", "Catchpoint 1 (returned from syscall"]
                    .contains { killed.stdout.contains($0) },
                "the step was never reached: \(killed.stdout.suffix(2000)) \(killed.stderr.suffix(2000))")
        #expect(!killed.stdout.contains("exited normally") && !killed.stdout.contains("exited with code"),
                "the helper finished before it was killed: \(killed.stdout.suffix(2000))")
        #expect(!killed.stdout.contains("eyJ"), "a token reached stdout before the kill")
        for text in step.shows { #expect((killed.stdout + killed.stderr).contains(text), "gdb did not say '\(text)': \(killed.stdout.suffix(2000))") }
        #expect(killed.stdout.components(separatedBy: "Breakpoint 1").count <= 3, "stopped more than once at the step")
        if step.revokeOld { try world.emulator.control("revoke", ["all": true]) }
        // A minute passes: a dead writer's temporary is removed only once it is that old.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? [] where name.contains(".tmp.") {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: stateDirectory + "/" + name)
        }

        let next = try world.helper(["get-token", "--force", "--no-interactive"])
        if step.revokeOld {
            #expect(next.status == 1)
            #expect(next.stderr.split(separator: "\n").count == 1, "\(next.stderr)")
            #expect(next.stderr.contains("entra-credential-helper login --profile work"), "\(next.stderr)")
        } else {
            #expect(next.status == 0, "\(next.stderr)")
            let token = next.stdout.trimmingCharacters(in: .newlines)
            let verdict = try world.emulator.control("verify", ["token": token]) as? [String: Any]
            #expect(verdict?["valid"] as? Bool == true, "\(verdict ?? [:])")
            #expect(try world.emulator.grants("device_code") == 0, "no new sign-in")
            // And once more: what the next call stored works too.
            #expect(try world.helper(["get-token", "--force", "--no-interactive"]).status == 0)
        }

        if step.store == "file" {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
            #expect(left == ["tokens.json"], "left behind: \(left)")
            let data = try Data(contentsOf: URL(fileURLWithPath: stateDirectory + "/tokens.json"))
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect((json?["refresh_tokens"] as? [String: Any])?.count == 1)
        } else {
            let items = try refreshItems(world)
            #expect(items.count == 1, "refresh token items: \(items.count)")
            #expect(items.first.map { !$0.isEmpty && $0 != oldRefresh || step.revokeOld } ?? false)
        }
    }

    @Test("killed while the grant is in flight (Entra holds the answer): the next call still gets a token silently")
    func killedInFlight() throws {
        let world = try SignInWorld()
        _ = try world.signInWithDeviceCode()
        try world.emulator.control("reset-counters", [:])
        try world.emulator.control("fault", ["endpoint": "token", "kind": "delay", "delay": 5, "count": 1])
        let child = try world.start(["get-token", "--force", "--no-interactive"], name: "in-flight")
        var seen = 0
        for _ in 0..<300 where seen == 0 {
            seen = try world.emulator.grants("refresh_token")
            if seen == 0 { usleep(20_000) }
        }
        #expect(seen == 1, "the grant never reached Entra")
        kill(child.pid, SIGKILL)
        #expect(child.wait() == 128 + SIGKILL)
        #expect(world.output("in-flight").stdout.isEmpty)
        try world.emulator.control("clear-faults", [:])

        let next = try world.helper(["get-token", "--force", "--no-interactive"])
        #expect(next.status == 0, "\(next.stderr)")
        let verdict = try world.emulator.control("verify", ["token": next.stdout.trimmingCharacters(in: .newlines)]) as? [String: Any]
        #expect(verdict?["valid"] as? Bool == true)
        #expect(try refreshItems(world).count == 1)
        #expect(try world.emulator.grants("device_code") == 0)
    }
}
