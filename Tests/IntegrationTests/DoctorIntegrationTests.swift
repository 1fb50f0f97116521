import Foundation
import Testing

/// `doctor` as a user runs it: the built binary against the real test keyring, against
/// no bus at all, and against private buses with a missing, hanging, locked or empty
/// Secret Service. It must never hang, never change anything, and exit 1 only on a fail.
@Suite("doctor, the real binary")
struct DoctorIntegrationTests {
    static let validConfig = """
        {
          "default_profile": "ado",
          "profiles": {
            "ado": { "preset": "azure-devops" }
          }
        }
        """

    /// Every line is "ok    NAME  …", "warn  …" or "fail  …"; returns the line for `name`.
    func line(_ result: Outcome, _ name: String) -> String? {
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for line in lines {
            #expect(line.hasPrefix("ok    ") || line.hasPrefix("warn  ") || line.hasPrefix("fail  "), "\(line)")
        }
        return lines.first { $0.dropFirst(6).hasPrefix(name + " ") }
    }

    @Test("inside the test keyring: session bus and Secret Service ok, exit 0")
    func healthy() throws {
        #expect(Harness.keyringReady || !Harness.integrationRequired)
        guard Harness.keyringReady else { return }
        let dir = try TemporaryDirectory()
        let config = try dir.write("config.json", Self.validConfig)
        let result = try run([Harness.binary, "doctor"], environment: ["ENTRA_CREDENTIAL_HELPER_CONFIG": config], timeout: 20)
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stderr.isEmpty)
        #expect(line(result, "session bus")?.hasPrefix("ok    session bus     unix:") == true, "\(result.stdout)")
        #expect(line(result, "secret service")?.hasPrefix("ok    secret service  gnome-keyring-daemon (pid ") == true, "\(result.stdout)")
        #expect(line(result, "keyring") == "ok    keyring         default collection 'login' is unlocked")
        // The listener's own bind: ::1 as well as 127.0.0.1 (this machine has IPv6 on lo).
        #expect(line(result, "loopback")?.hasPrefix("ok    loopback        the sign-in listener binds 127.0.0.1 and ::1 (got port ") == true,
                "\(result.stdout)")
        #expect(line(result, "config") == "ok    config          \(config): 1 profile, default ado; token store secret-service")
        #expect(line(result, "hosts") == "ok    hosts           ado: dev.azure.com *.visualstudio.com")
        #expect(!result.stdout.contains("fail  "))
        #expect(result.stdout.split(separator: "\n").count == 11)

        let json = try run([Harness.binary, "doctor", "--output", "json"],
                           environment: ["ENTRA_CREDENTIAL_HELPER_CONFIG": config], timeout: 20)
        let checks = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(checks?.count == 11)
        #expect(checks?.first?["name"] as? String == "session bus" && checks?.first?["status"] as? String == "ok")
    }

    @Test("a kubeconfig user of this helper without provideClusterInfo: a warning naming the fix, which real kubectl applies")
    func kubeconfigClusterInfo() throws {
        let dir = try TemporaryDirectory()
        let env = ["ENTRA_CREDENTIAL_HELPER_CONFIG": try dir.write("config.json", Self.validConfig), "KUBECONFIG": dir.file("kubeconfig")]
        let added = try run(["kubectl", "config", "set-credentials", "entra-aks", "--exec-command=/opt/bin/entra-credential-helper",
                             "--exec-api-version=client.authentication.k8s.io/v1", "--exec-arg=kubectl", "--exec-arg=--profile",
                             "--exec-arg=aks"], environment: env)
        #expect(added.status == 0, "\(added.stderr)")
        let before = try run([Harness.binary, "doctor"], environment: env, timeout: 20)
        let warning = try #require(line(before, "kubeconfig"), "\(before.stdout)")
        #expect(warning.hasPrefix("warn  kubeconfig      user entra-aks runs entra-credential-helper without provideClusterInfo: true"), "\(warning)")
        #expect(warning.contains("fix: `kubectl config set-credentials entra-aks --exec-provide-cluster-info=true`"), "\(warning)")

        let fixed = try run(["kubectl", "config", "set-credentials", "entra-aks", "--exec-provide-cluster-info=true"], environment: env)
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let after = try run([Harness.binary, "doctor"], environment: env, timeout: 20)
        #expect(line(after, "kubeconfig") == "ok    kubeconfig      1 user runs entra-credential-helper with provideClusterInfo: true", "\(after.stdout)")
    }

    @Test("no session bus: a fail line naming the fix, exit 1, at once", arguments: [
        (["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/ech-bus"], "cannot connect to unix:path=/nonexistent/ech-bus"),
        (["XDG_RUNTIME_DIR": "/nonexistent"], "DBUS_SESSION_BUS_ADDRESS is not set"),
    ])
    func noBus(environment: [String: String], phrase: String) throws {
        let removing = environment["DBUS_SESSION_BUS_ADDRESS"] == nil ? ["DBUS_SESSION_BUS_ADDRESS"] : []
        let result = try run([Harness.binary, "doctor"], environment: environment, removing: removing, timeout: 10)
        #expect(result.status == 1)
        #expect(result.seconds < 3, "took \(result.seconds) s")
        #expect(result.stderr.isEmpty)
        let bus = line(result, "session bus") ?? ""
        #expect(bus.hasPrefix("fail  session bus     "), "\(result.stdout)")
        #expect(bus.contains(phrase) && bus.contains("— fix: ") && bus.contains("dbus-run-session -- $SHELL"), "\(bus)")
        #expect(line(result, "secret service")?.hasPrefix("fail  secret service  not reachable without a session bus") == true)
        // The other checks still run.
        #expect(line(result, "loopback")?.hasPrefix("ok    loopback") == true)
        #expect(line(result, "clock") != nil)
    }

    @Test("a malformed config: a fail line with the file and line")
    func malformedConfig() throws {
        let dir = try TemporaryDirectory()
        let config = try dir.write("config.json", "{\n  \"profiles\": {\n    \"a\": { \"tenant\": \"t\", }\n  }\n}\n")
        let result = try run([Harness.binary, "doctor"], environment: ["ENTRA_CREDENTIAL_HELPER_CONFIG": config], timeout: 20)
        #expect(result.status == 1)
        let text = line(result, "config") ?? ""
        #expect(text.hasPrefix("fail  config          \(config), line 3: "), "\(result.stdout)")
        #expect(text.contains("— fix: fix the file"))
        #expect(line(result, "hosts") == nil, "no profiles to list from a broken file")
    }

    @Test("a bus without a Secret Service: the bus is ok, the provider fails",
          .enabled(if: Harness.which("dbus-daemon") != nil))
    func noProvider() throws {
        let bus = try PrivateBus(.bare)
        defer { bus.stop() }
        let result = try run([Harness.binary, "doctor"], environment: bus.variables, timeout: 10)
        #expect(result.status == 1)
        #expect(line(result, "session bus") == "ok    session bus     \(bus.address)")
        let provider = line(result, "secret service") ?? ""
        #expect(provider.hasPrefix("fail  secret service  no provider"), "\(result.stdout)")
        #expect(provider.contains("apt-get install gnome-keyring"))
    }

    @Test("a provider that never answers: bounded by ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS",
          .enabled(if: Harness.which("dbus-test-tool") != nil))
    func hangingProvider() throws {
        let bus = try PrivateBus(.bare)
        defer { bus.stop() }
        try bus.start(["/usr/bin/dbus-test-tool", "black-hole", "--session", "--name=org.freedesktop.secrets"])
        usleep(300_000)
        let result = try run([Harness.binary, "doctor"],
                             environment: bus.variables.merging(["ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS": "500"]) { $1 }, timeout: 20)
        #expect(result.status == 1)
        #expect(result.seconds < 3, "took \(result.seconds) s")
        #expect(line(result, "secret service")?.contains("did not answer within 500 ms") == true, "\(result.stdout)")
    }

    @Test("a locked collection: a warning with the fix, and doctor leaves it locked",
          .enabled(if: Harness.which("gnome-keyring-daemon") != nil))
    func locked() throws {
        let bus = try PrivateBus(.session)
        defer { bus.stop() }
        try bus.startKeyring()
        let lock = try bus.call("org.freedesktop.Secret.Service.Lock", "/org/freedesktop/secrets",
                                ["[objectpath '/org/freedesktop/secrets/collection/login']"])
        #expect(lock.status == 0, "\(lock.stderr)")
        let result = try run([Harness.binary, "doctor"], environment: bus.variables.merging(["DISPLAY": ":99"]) { $1 }, timeout: 20)
        #expect(result.status == 0, "a warning is not a failure: \(result.stdout)")
        let keyring = line(result, "keyring") ?? ""
        #expect(keyring.hasPrefix("warn  keyring         default collection 'login' is locked"), "\(result.stdout)")
        #expect(keyring.contains("gnome-keyring-daemon --unlock"))
        // Read-only: still locked (no prompt was tried, even with a display), and no lock
        // directory was made.
        let locked = try bus.call("org.freedesktop.DBus.Properties.Get", "/org/freedesktop/secrets/collection/login",
                                  ["org.freedesktop.Secret.Collection", "Locked"])
        #expect(locked.stdout.contains("true"), "\(locked.stdout)")
        #expect(!FileManager.default.fileExists(atPath: bus.home.file("runtime/entra-credential-helper")))
    }

    @Test("a keyring without a default collection: a warning naming how to create one",
          .enabled(if: Harness.which("gnome-keyring-daemon") != nil))
    func noDefaultCollection() throws {
        let bus = try PrivateBus(.session)
        defer { bus.stop() }
        try bus.startKeyring(unlocked: false)
        let result = try run([Harness.binary, "doctor"], environment: bus.variables, removing: ["DISPLAY", "WAYLAND_DISPLAY"], timeout: 20)
        #expect(result.status == 0, "\(result.stdout)")
        let keyring = line(result, "keyring") ?? ""
        #expect(keyring.hasPrefix("warn  keyring         no default collection"), "\(result.stdout)")
        #expect(keyring.contains("gnome-keyring-daemon --replace --unlock"))
    }

    @Test("help doctor, and doctor in the command list")
    func help() throws {
        let topic = try run([Harness.binary, "help", "doctor"])
        #expect(topic.status == 0 && topic.stdout.contains("Exit 0") && topic.stdout.contains("ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS"))
        #expect(try run([Harness.binary, "doctor", "--help"]).stdout == topic.stdout)
        #expect(try run([Harness.binary, "--help"]).stdout.contains("entra-credential-helper doctor "))
        let bad = try run([Harness.binary, "doctor", "--bogus"])
        #expect(bad.status == 2 && bad.stdout.isEmpty && bad.stderr.contains("help doctor"))
    }
}
