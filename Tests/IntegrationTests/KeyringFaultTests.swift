import Foundation
import Testing

/// Keyring faults, each on a bus of its own: a clear line naming cause and fix (git:
/// stderr, nothing on stdout; docker: the message on stdout, exit 1), bounded in time,
/// and the stored item still there afterwards.
@Suite("keyring faults", .enabled(if: Harness.which("dbus-daemon") != nil))
struct KeyringFaultTests {
    static let query = "protocol=https\nhost=fault.example\n"

    func expectGitFault(_ result: Outcome, _ phrase: String) {
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "git must see nothing on stdout")
        #expect(result.stderr.hasPrefix("entra-credential-helper: "))
        #expect(result.stderr.contains(phrase), "\(result.stderr)")
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "one line")
    }

    /// Stores an item in the shared test keyring, runs `attempt` (an erase that meets a
    /// fault), and checks the item is still there afterwards.
    func survives(_ attempt: (String) throws -> Void) throws {
        #expect(Harness.keyringReady || !Harness.integrationRequired)
        guard Harness.keyringReady else { return }
        let host = uniqueHost("survivor")
        let stored = try run([Harness.binary, "git", "store"], stdin: "protocol=https\nhost=\(host)\nusername=u\npassword=keep\n")
        #expect(stored.status == 0)
        try attempt("protocol=https\nhost=\(host)\n")
        let after = try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(host)\n")
        #expect(after.stdout == "username=u\npassword=keep\n", "the item must survive the fault")
    }

    func expectDockerFault(_ result: Outcome, _ phrase: String) {
        #expect(result.status == 1)
        #expect(result.stdout.contains(phrase), "\(result.stdout)")
        #expect(result.stdout.filter { $0 == "\n" }.count == 1, "one line")
    }

    @Test("no session bus, and no autolaunching one, display or not", arguments: [
        ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/ech-bus"],
        ["XDG_RUNTIME_DIR": "/nonexistent"],
        ["XDG_RUNTIME_DIR": "/nonexistent", "DISPLAY": ":99"],
    ])
    func noBus(environment: [String: String]) throws {
        let removing = (environment["DBUS_SESSION_BUS_ADDRESS"] == nil ? ["DBUS_SESSION_BUS_ADDRESS"] : [])
            + (environment["DISPLAY"] == nil ? ["DISPLAY"] : [])
        let git = try run([Harness.binary, "git", "get"], stdin: Self.query, environment: environment, removing: removing, timeout: 10)
        expectGitFault(git, "no D-Bus session bus")
        #expect(git.stderr.contains("dbus-run-session"))
        let docker = try run([Harness.binary, "docker", "get"], stdin: "reg.example\n", environment: environment, removing: removing, timeout: 10)
        expectDockerFault(docker, "no D-Bus session bus")
        try survives { query in
            expectGitFault(try run([Harness.binary, "git", "erase"], stdin: query, environment: environment,
                                   removing: removing, timeout: 10), "no D-Bus session bus")
        }
    }

    @Test("a bus with no Secret Service provider")
    func noProvider() throws {
        let bus = try PrivateBus(.bare)
        defer { bus.stop() }
        let git = try run([Harness.binary, "git", "get"], stdin: Self.query, environment: bus.variables, timeout: 10)
        expectGitFault(git, "no Secret Service provider")
        #expect(git.stderr.contains("gnome-keyring"))
        let store = try run([Harness.binary, "git", "store"], stdin: Self.query + "username=u\npassword=p\n",
                            environment: bus.variables, timeout: 10)
        expectGitFault(store, "no Secret Service provider")
        let docker = try run([Harness.binary, "docker", "list"], environment: bus.variables, timeout: 10)
        expectDockerFault(docker, "no Secret Service provider")
        try survives { query in
            expectGitFault(try run([Harness.binary, "git", "erase"], stdin: query, environment: bus.variables,
                                   timeout: 10), "no Secret Service provider")
        }
    }

    @Test("a provider that never answers: bounded by 5 s, then a timeout line",
          .enabled(if: Harness.which("dbus-test-tool") != nil))
    func timeout() throws {
        let bus = try PrivateBus(.bare)
        defer { bus.stop() }
        try bus.start(["/usr/bin/dbus-test-tool", "black-hole", "--session", "--name=org.freedesktop.secrets"])
        usleep(300_000)
        let git = try run([Harness.binary, "git", "get"], stdin: Self.query, environment: bus.variables, timeout: 20)
        expectGitFault(git, "did not answer within 5000 ms")
        #expect(git.seconds < 7, "bounded at 5 s, took \(git.seconds) s")
        let docker = try run([Harness.binary, "docker", "get"], stdin: "reg.example\n",
                             environment: bus.variables.merging(["ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS": "500"]) { $1 },
                             timeout: 20)
        expectDockerFault(docker, "did not answer within 500 ms")
        #expect(docker.seconds < 3)
        try survives { query in
            let erase = try run([Harness.binary, "git", "erase"], stdin: query,
                                environment: bus.variables.merging(["ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS": "500"]) { $1 },
                                timeout: 20)
            expectGitFault(erase, "did not answer within 500 ms")
        }
    }

    @Test("a locked collection: told apart from a dismissed prompt, and nothing is lost",
          .enabled(if: Harness.which("gnome-keyring-daemon") != nil))
    func locked() throws {
        let bus = try PrivateBus(.session)
        defer { bus.stop() }
        try bus.startKeyring()
        let stored = try run([Harness.binary, "git", "store"], stdin: Self.query + "username=u\npassword=keep-me\n",
                             environment: bus.variables, timeout: 10)
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(try run([Harness.binary, "docker", "store"], stdin: #"{"ServerURL":"reg.example","Username":"u","Secret":"d"}"#,
                        environment: bus.variables, timeout: 10).status == 0)
        let lock = try bus.call("org.freedesktop.Secret.Service.Lock", "/org/freedesktop/secrets",
                                ["[objectpath '/org/freedesktop/secrets/collection/login']"])
        #expect(lock.status == 0, "\(lock.stderr)")

        // No display: no prompt can be shown, so it says "locked" and how to unlock.
        let noDisplay = try run([Harness.binary, "git", "get"], stdin: Self.query, environment: bus.variables,
                                removing: ["DISPLAY", "WAYLAND_DISPLAY"], timeout: 10)
        expectGitFault(noDisplay, "is locked")
        #expect(noDisplay.stderr.contains("gnome-keyring-daemon --unlock"))
        // A display: the unlock prompt is tried; here it cannot open, so it is dismissed.
        let dismissed = try run([Harness.binary, "git", "get"], stdin: Self.query,
                                environment: bus.variables.merging(["DISPLAY": ":99"]) { $1 }, timeout: 20)
        expectGitFault(dismissed, "was dismissed")
        let erase = try run([Harness.binary, "git", "erase"], stdin: Self.query, environment: bus.variables,
                            removing: ["DISPLAY", "WAYLAND_DISPLAY"], timeout: 10)
        expectGitFault(erase, "is locked")
        let storeLocked = try run([Harness.binary, "git", "store"], stdin: "protocol=https\nhost=new.example\nusername=u\npassword=p\n",
                                  environment: bus.variables, removing: ["DISPLAY", "WAYLAND_DISPLAY"], timeout: 10)
        expectGitFault(storeLocked, "is locked")
        let docker = try run([Harness.binary, "docker", "get"], stdin: "reg.example\n", environment: bus.variables,
                             removing: ["DISPLAY", "WAYLAND_DISPLAY"], timeout: 10)
        expectDockerFault(docker, "is locked")
        // Listing reads attributes only, which a locked collection still shows.
        let list = try run([Harness.binary, "docker", "list"], environment: bus.variables, timeout: 10)
        #expect(list.stdout == #"{"reg.example":"u"}"# + "\n")

        // Both items are still there: the search lists them among the locked ones.
        let search = try bus.call("org.freedesktop.Secret.Service.SearchItems", "/org/freedesktop/secrets",
                                  ["{'server': 'fault.example'}"])
        #expect(search.stdout.contains("/org/freedesktop/secrets/collection/login/"), "\(search.stdout)")
        #expect(search.stdout.hasPrefix("(@ao [], ["), "the item is listed as locked: \(search.stdout)")
        let dockerSearch = try bus.call("org.freedesktop.Secret.Service.SearchItems", "/org/freedesktop/secrets",
                                        ["{'server': 'reg.example', 'docker_cli': '1'}"])
        #expect(dockerSearch.stdout.contains("/org/freedesktop/secrets/collection/login/"))
    }

    @Test("a keyring with no default collection: store says how to create one",
          .enabled(if: Harness.which("gnome-keyring-daemon") != nil))
    func noDefaultCollection() throws {
        let bus = try PrivateBus(.session)
        defer { bus.stop() }
        try bus.startKeyring(unlocked: false)
        let store = try run([Harness.binary, "git", "store"], stdin: Self.query + "username=u\npassword=p\n",
                            environment: bus.variables, removing: ["DISPLAY", "WAYLAND_DISPLAY"], timeout: 10)
        expectGitFault(store, "no default collection")
        #expect(store.stderr.contains("gnome-keyring-daemon --replace --unlock"))
        let get = try run([Harness.binary, "git", "get"], stdin: Self.query, environment: bus.variables, timeout: 10)
        #expect(get.status == 0 && get.stdout.isEmpty && get.stderr.isEmpty)
        // An empty keyring lists as docker-credential-helpers does: `{}`.
        let list = try run([Harness.binary, "docker", "list"], environment: bus.variables, timeout: 10)
        #expect(list.status == 0 && list.stdout == "{}\n")
    }
}
