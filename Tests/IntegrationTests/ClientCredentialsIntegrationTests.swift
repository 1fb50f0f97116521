import Foundation
import Testing

/// The real binary with `--flow client-credentials` and AZURE_CLIENT_SECRET against the
/// emulator's client-credentials grant (an app registered with the secret; its first token
/// request held for half a second, so that callers pile up). No D-Bus session: an app token
/// needs no Secret Service. The end-to-end runs with git, docker and kubectl, per token
/// source, are in AppSourcesEndToEndTests.
@Suite("client credentials, end to end with the real binary", .serialized)
struct ClientCredentialsIntegrationTests {
    static let secret = "cc-Secret~" + UUID().uuidString

    final class World {
        let home: TemporaryDirectory
        let outputs: TemporaryDirectory
        let emulator: Emulator
        let clientID = UUID().uuidString.lowercased()

        init() throws {
            home = try TemporaryDirectory()
            outputs = try TemporaryDirectory()
            emulator = try Emulator(autoApprove: false)
            try emulator.control("apps", ["client_id": clientID, "secrets": [ClientCredentialsIntegrationTests.secret]])
            try emulator.control("fault", ["endpoint": "token", "kind": "delay", "delay": 0.5])
        }

        var authority: String { emulator.authority }

        var environment: [String: String] {
            ["HOME": home.file("home"), "XDG_CONFIG_HOME": home.file("config"), "XDG_RUNTIME_DIR": home.file("runtime"),
             "XDG_CACHE_HOME": home.file("cache"), "XDG_STATE_HOME": home.file("state"),
             "AZURE_CLIENT_SECRET": ClientCredentialsIntegrationTests.secret]
        }
        /// Harness.environment's closed loopback IMDS address stays (the test guard needs it).
        static let removed = SignInWorld.unset + AppWorld.appVariables.filter { $0 != "AZURE_CLIENT_SECRET" && $0 != "AZURE_POD_IDENTITY_AUTHORITY_HOST" }

        func helper(_ arguments: [String], extra: [String: String] = [:]) throws -> Outcome {
            try run(["setsid", "-w", Harness.binary] + arguments, environment: environment.merging(extra) { $1 }, removing: Self.removed)
        }

        func start(_ arguments: [String], name: String) throws -> Spawned {
            var env = Harness.environment
            for key in Self.removed { env[key] = nil }
            env.merge(environment) { $1 }
            return try Spawned(["setsid", "-w", Harness.binary] + arguments, environment: env,
                               stdout: outputs.file("\(name).out"), stderr: outputs.file("\(name).err"))
        }

        /// client_credentials requests the emulator counted.
        var requests: Int { ((try? emulator.counters())?["client_credentials"] as? [String: Int])?["requests"] ?? -1 }

        /// The last token request: tenant, field names, and the values of the fields that are no secret.
        func lastRequest() throws -> [String: Any] { try emulator.control("last-request?endpoint=token") as? [String: Any] ?? [:] }

        func filesContaining(_ needle: String) -> [String] {
            var hits: [String] = []
            guard let walker = FileManager.default.enumerator(atPath: home.path) else { return [] }
            for case let relative as String in walker {
                if let data = FileManager.default.contents(atPath: home.file(relative)), data.range(of: Data(needle.utf8)) != nil {
                    hits.append(relative)
                }
            }
            return hits
        }
    }

    @Test("16 parallel callers make one token request; the token is cached; status names the app; the secret is nowhere")
    func parallelAndCached() throws {
        let world = try World()
        let added = try world.helper(["profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID,
                                      "--scope", "api://ci/.default", "--authority-host", world.authority,
                                      "--flow", "client-credentials", "--host", "git.example"])
        #expect(added.status == 0, "\(added.stderr)")
        let callers = try (0..<16).map { try world.start(["get-token", "--profile", "ci"], name: "caller\($0)") }
        var stderrs = "", answers: Set<String> = []
        for (index, caller) in callers.enumerated() {
            #expect(caller.wait() == 0)
            let out = (try? String(contentsOfFile: world.outputs.file("caller\(index).out"), encoding: .utf8)) ?? ""
            answers.insert(out.trimmingCharacters(in: .newlines))
            stderrs += (try? String(contentsOfFile: world.outputs.file("caller\(index).err"), encoding: .utf8)) ?? ""
        }
        #expect(world.requests == 1, "\(world.requests) token requests")
        let expected = try #require(answers.first)
        #expect(answers.count == 1)
        let verdict = try world.emulator.control("verify", ["token": expected]) as? [String: Any]
        let claims = verdict?["claims"] as? [String: Any]
        #expect(claims?["appid"] as? String == world.clientID && claims?["aud"] as? String == "api://ci", "\(verdict ?? [:])")
        let request = try world.lastRequest()
        #expect(request["tenant"] as? String == "contoso")
        #expect(request["fields"] as? [String] == ["client_id", "client_secret", "grant_type", "scope"], "\(request)")
        #expect(request["values"] as? [String: String] == ["client_id": world.clientID, "scope": "api://ci/.default",
                                                           "grant_type": "client_credentials"], "\(request)")

        let again = try world.helper(["get-token", "--profile", "ci"])
        #expect(again.status == 0 && again.stdout.trimmingCharacters(in: .newlines) == expected)
        #expect(world.requests == 1)

        let status = try world.helper(["status", "--profile", "ci"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("flow: client-credentials") && status.stdout.contains("identity: app \(world.clientID)"), "\(status.stdout)")
        #expect(status.stdout.contains("refresh_token: absent"))

        for text in [stderrs, again.stderr, status.stderr, status.stdout, added.stderr] {
            #expect(!text.contains(Self.secret))
        }
        #expect(world.filesContaining(Self.secret).isEmpty)
        #expect(world.filesContaining(expected).isEmpty, "the token is cached in the kernel keyring, not under HOME")

        // A CI job's clean-up step, with no D-Bus session: the app's cached token goes, exit 0.
        let cleared = try world.helper(["clear-cache", "--profile", "ci"])
        #expect(cleared.status == 0 && cleared.stderr.hasPrefix("Signed out of profile ci"), "\(cleared.stderr)")
        let fresh = try world.helper(["get-token", "--profile", "ci"])
        #expect(fresh.status == 0 && world.requests == 2, "the cached token was not cleared: \(world.requests) requests")
        _ = try world.helper(["logout", "--profile", "ci"])
    }

    @Test("a wrong secret: exit 1, one line naming the fix, no secret, nothing cached")
    func wrongSecret() throws {
        let world = try World()
        _ = try world.helper(["profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID,
                              "--scope", "api://ci/.default", "--authority-host", world.authority, "--host", "git.example"])
        let wrong = "wrong-" + Self.secret
        let result = try world.helper(["get-token", "--profile", "ci"],
                                      extra: ["AZURE_CLIENT_SECRET": wrong, "ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("AADSTS7000215") && result.stderr.contains("check the client secret"), "\(result.stderr)")
        #expect(!result.stderr.contains(wrong) && !result.stderr.contains(Self.secret))
        #expect(world.filesContaining(wrong).isEmpty)
        let retry = try world.helper(["get-token", "--profile", "ci"], extra: ["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials"])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(world.requests == 2)
        _ = try world.helper(["logout", "--profile", "ci"])
    }

    @Test("profile add --client-secret-stdin: the secret in the Secret Service only; get-token uses it; profile remove deletes it",
          .enabled(if: Harness.keyringReady))
    func storedSecret() throws {
        let world = try World()
        let secretFree = ["AZURE_CLIENT_SECRET": ""]
        let bus = ["DBUS_SESSION_BUS_ADDRESS": Harness.environment["DBUS_SESSION_BUS_ADDRESS"] ?? ""]
        let added = try run(["setsid", "-w", Harness.binary, "profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID,
                             "--scope", "api://ci/.default", "--authority-host", world.authority, "--host", "git.example",
                             "--client-secret-stdin"],
                            stdin: Self.secret + "\n", environment: world.environment.merging(secretFree.merging(bus) { $1 }) { $1 },
                            removing: SignInWorld.unset)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(!added.stderr.contains(Self.secret))
        let lookup = try run(["secret-tool", "lookup", "xdg:schema", "io.github.entra-credential-helper.ClientSecret", "client_id", world.clientID])
        #expect(lookup.stdout == Self.secret)
        #expect(world.filesContaining(Self.secret).isEmpty, "the secret is in no file under HOME (the config names the flow only)")

        let token = try run(["setsid", "-w", Harness.binary, "get-token", "--profile", "ci"],
                            environment: world.environment.merging(secretFree.merging(bus) { $1 }) { $1 }, removing: SignInWorld.unset)
        #expect(token.status == 0, "\(token.stderr)")
        let fields = try world.lastRequest()["fields"] as? [String]
        #expect(world.requests == 1 && fields?.contains("client_secret") == true)
        let verdict = try world.emulator.control("verify", ["token": token.stdout.trimmingCharacters(in: .newlines)]) as? [String: Any]
        #expect((verdict?["claims"] as? [String: Any])?["appid"] as? String == world.clientID, "the stored secret was accepted")

        let removed = try run(["setsid", "-w", Harness.binary, "profile", "remove", "ci"],
                              environment: world.environment.merging(bus) { $1 }, removing: SignInWorld.unset)
        #expect(removed.status == 0)
        let gone = try run(["secret-tool", "lookup", "xdg:schema", "io.github.entra-credential-helper.ClientSecret", "client_id", world.clientID])
        #expect(gone.stdout.isEmpty)
        _ = try world.helper(["logout", "--profile", "ci"])
    }

    @Test("profile add --client-secret-stdin with nothing on stdin: one line, nothing written")
    func emptySecret() throws {
        let world = try World()
        let added = try world.helper(["profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID, "--client-secret-stdin"])
        #expect(added.status != 0)
        #expect(added.stderr.contains("send the client secret on stdin"), "\(added.stderr)")
        #expect(!FileManager.default.fileExists(atPath: world.home.file("config/entra-credential-helper/config.json")))
    }
}
