import Foundation
import Testing

/// docker's protocol on a registry a profile routes, through the real binary against the
/// demo registry: what store, list and erase do there, and how refused or unreachable
/// exchanges are reported (docker shows the helper's stdout; exit 1).
@Suite("EndToEnd: docker store, list, erase and exchange errors on a routed registry", .serialized,
       .enabled(if: Harness.keyringReady))
struct EndToEndDockerTests {
    func exchanges(_ e: EndToEndWorld) -> Int {
        e.servers.log("registry").filter { $0.hasPrefix("registry: POST /oauth2/exchange 200") }.count
    }

    func docker(_ e: EndToEndWorld, _ action: String, _ stdin: String) throws -> Outcome {
        try e.world.helper(["docker", action], stdin: stdin)
    }

    func dockerItems(server: String) throws -> Int {
        let found = try run(["secret-tool", "search", "--all", "xdg:schema", "io.docker.Credentials", "server", server])
        return (found.stdout + found.stderr).split(separator: "\n").filter { $0.hasPrefix("[/") }.count
    }

    @Test("store writes nothing for a routed registry, list shows it with the stored logins, erase makes the next get exchange again")
    func storeListErase() throws {
        let e = try EndToEndWorld()
        try e.login()
        let registry = e.servers.registryHost
        let first = try docker(e, "get", registry)
        #expect(first.status == 0, "\(first.stdout)")
        #expect(exchanges(e) == 1)
        // A plain-http registry on loopback: https first (refused at the handshake), then http.
        #expect(e.servers.log("registry").contains("registry: TLS handshake on the plain HTTP port 400"), "\(e.servers.log("registry"))")

        let stored = try docker(e, "store", #"{"ServerURL":"\#(registry)","Username":"someone","Secret":"typed-password"}"#)
        #expect(stored.status == 0 && stored.stdout.isEmpty, "\(stored.stdout)")
        #expect(try dockerItems(server: registry) == 0, "store wrote a login for a routed registry")
        let other = try docker(e, "store", #"{"ServerURL":"other.example:5000","Username":"bob","Secret":"pw"}"#)
        #expect(other.status == 0, "\(other.stdout)")
        #expect(try dockerItems(server: "other.example:5000") == 1, "an unrouted login is stored as before")

        let listed = try docker(e, "list", "")
        #expect(listed.status == 0, "\(listed.stdout)")
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: String]
        // Other suites share the keyring: their logins may be listed too.
        #expect(entries?[registry] == EndToEndWorld.acrUser && entries?["other.example:5000"] == "bob", "\(listed.stdout)")

        #expect(try docker(e, "get", registry).stdout == first.stdout, "the second get answers the cached ACR token")
        #expect(exchanges(e) == 1)
        let erased = try docker(e, "erase", registry)
        #expect(erased.status == 0 && erased.stdout.isEmpty, "\(erased.stdout)")
        let again = try docker(e, "get", registry)
        #expect(again.status == 0, "\(again.stdout)")
        #expect(exchanges(e) == 2, "erase did not drop the cached ACR token")
        #expect(try e.grants("refresh_token") == 1, "the sign-in stayed: one refresh for the ACR scope, none after erase")
        #expect(try docker(e, "get", "other.example:5000").stdout.contains(#""Username":"bob","Secret":"pw""#))
        #expect(try docker(e, "erase", "other.example:5000").status == 0)  // the keyring is shared with other suites
    }

    @Test("a refused exchange (401), a plain server that hangs up on TLS and a closed port: one line on stdout naming the fix, exit 1, sign-in kept")
    func exchangeErrors() throws {
        let e = try EndToEndWorld()
        try e.login()
        // The registry refuses a token for another audience: demo-acr asks for git's scope.
        #expect(try e.world.helper(["profile", "remove", "demo-acr"]).status == 0)
        let closed = freePort()
        for (name, scope, host) in [("demo-acr", "api://demo-git/.default", e.servers.registryHost),
                                    ("not-a-registry", "\(DemoServers.registryAudience)/.default", "127.0.0.1:\(e.emulator.port)"),
                                    ("closed", "\(DemoServers.registryAudience)/.default", "127.0.0.1:\(closed)")] {
            let added = try e.world.helper(["profile", "add", name, "--tenant", "organizations", "--client-id", e.world.clientID,
                                            "--scope", scope, "--authority-host", e.world.authority, "--host", host, "--kind", "acr"])
            #expect(added.status == 0, "\(added.stderr)")
        }
        let cases: [(String, String)] = [
            (e.servers.registryHost, "refused the Entra token of profile demo-acr (HTTP 401: UNAUTHORIZED"),
            // The emulator is a plain-HTTP server: it answers the TLS hello with an HTTP 400
            // (curl: "wrong version number"), so the exchange is tried over http and gets a 404.
            ("127.0.0.1:\(e.emulator.port)", "has no ACR token exchange (HTTP 404"),
            ("127.0.0.1:\(closed)", "could not reach 127.0.0.1:\(closed)"),
        ]
        for (host, expected) in cases {
            let answer = try docker(e, "get", host)
            #expect(answer.status == 1, "\(host): \(answer.stdout)")
            #expect(answer.stdout.contains(expected) && answer.stdout.split(separator: "\n").count == 1, "\(host): \(answer.stdout)")
            #expect(!answer.stdout.contains("eyJ") && !answer.stderr.contains("eyJ"))
        }
        let emulatorLog = (try? String(contentsOfFile: e.emulator.dir.file("emulator.log"), encoding: .utf8)) ?? ""
        #expect(emulatorLog.contains("entra-emulator: - - 400") && emulatorLog.contains("POST /oauth2/exchange 404")
                && !emulatorLog.contains("connection error"), "\(emulatorLog)")
        #expect(try e.refreshTokenItems() == 1, "the sign-in was kept")
        #expect(try e.world.helper(["get-token", "--profile", "demo-git", "--no-interactive"]).status == 0)
    }

    @Test("a TLS registry on 127.0.0.1: the exchange goes over https trusting SSL_CERT_FILE, and docker reads it over TLS; untrusted, one line names the certificate problem")
    func tlsRegistry() throws {
        let e = try EndToEndWorld(tlsRegistry: true)
        try e.login()
        let registry = e.servers.registryHost
        let untrusted = try docker(e, "get", registry)
        #expect(untrusted.status == 1, "\(untrusted.stdout)")
        #expect(untrusted.stdout.contains("could not reach \(registry) (SSL certificate problem")
                && untrusted.stdout.split(separator: "\n").count == 1, "\(untrusted.stdout)")
        #expect(exchanges(e) == 0)
        // The TLS server answered (here with a certificate we do not trust): the exchange never
        // went over http. Its log names the https try (written once the server saw curl's alert,
        // maybe after the helper ended), and no plain-HTTP request at all (an http try's line is
        // written before its connection closes, so before the helper ends).
        var log = e.servers.log("registry")
        for _ in 0..<100 where !log.contains(where: { $0.hasPrefix("registry: connection error: SSLError") }) {
            Thread.sleep(forTimeInterval: 0.1)
            log = e.servers.log("registry")
        }
        #expect(log.contains { $0.hasPrefix("registry: connection error: SSLError") }, "\(log)")
        #expect(!log.contains("registry: plain HTTP on the TLS port") && !log.contains { $0.contains("/oauth2/exchange") },
                "the Entra token was sent over http: \(log)")

        e.world.extra["SSL_CERT_FILE"] = e.servers.kubeCertificate
        let trusted = try docker(e, "get", registry)
        #expect(trusted.status == 0, "\(trusted.stdout) \(trusted.stderr)")
        #expect(exchanges(e) == 1, "\(e.servers.log("registry"))")  // the server speaks TLS only
        let inspected = try e.tool(["docker", "manifest", "inspect", "\(registry)/demo/hello:latest"])
        #expect(inspected.status == 0 && inspected.stdout.contains("schemaVersion"), "\(inspected.stdout) \(inspected.stderr)")
        #expect(e.dockerCredentials.last?.user == EndToEndWorld.acrUser, "docker used the helper's answer")
        #expect(try e.refreshTokenItems() == 1, "the sign-in was kept")
    }
}
