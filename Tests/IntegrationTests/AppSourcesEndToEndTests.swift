import Foundation
import Testing

/// Callers without a person, end to end: real git, the docker CLI and kubectl against the demo
/// servers, the helper getting app tokens from the emulator through each token source, as a
/// CI job, a pod or a VM would (CI=true, no terminal, no D-Bus session). See AppWorld.
@Suite("EndToEnd: git, docker and kubectl with app tokens, per token source, in CI", .serialized, .sharedAppWorld)
struct AppSourcesEndToEndTests {
    var world: AppWorld {
        get throws { try #require(AppWorld.current, "the suite's world did not start") }
    }

    @Test("16 parallel git callers make 1 token request; git clone and push, docker manifest inspect and kubectl get --raw /version work with 0 sign-ins; nothing secret on stderr or under HOME",
          arguments: AppSource.allCases)
    func clients(_ source: AppSource) throws {
        let w = try world, e = w.e
        let caller = try w.prepare(source)
        e.world.extra = caller.environment

        let parallel = try w.parallelGitFills(16)
        #expect(parallel.passwords.count == 16 && Set(parallel.passwords).count == 1,
                "\(parallel.passwords.count) answers: \(parallel.stderr.joined()) \(e.errors("git-credential-entra"))")
        #expect(try w.counters() == (try w.expectedCounters(caller, acquisitions: 1)), "16 callers, one token request")

        let name = UUID().uuidString.prefix(8)
        let gitSteps = try e.cloneAndPush(file: "pushed-\(name)", into: "\(e.home)/work/\(name)")
        let pushed = try run(["git", "--git-dir", e.servers.repository, "log", "--name-only", "--format=", "main"])
        #expect(pushed.stdout.contains("pushed-\(name)"), "the push did not reach the server: \(pushed.stdout)")
        func exchanges() -> Int { e.servers.log("registry").filter { $0.hasPrefix("registry: POST /oauth2/exchange 200") }.count }
        let exchangesBefore = exchanges()
        let docker = try e.dockerInspect()
        #expect(docker.status == 0, "\(docker.stdout)\(docker.stderr)")
        #expect(docker.stdout.contains("\"schemaVersion\": 2"), "\(docker.stdout)")
        let kube = try e.kubectlVersion()
        #expect(kube.status == 0, "\(kube.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(kube.stdout.utf8)) as? [String: Any])?["major"] as? String == "1")
        let status = try e.tool(["entra-credential-helper", "status", "--profile", "demo-git"])
        #expect(status.status == 0, "\(status.stderr)")
        let said = status.stdout.split(separator: "\n").map(String.init)
        #expect(caller.status.allSatisfy(said.contains) && said.contains("refresh_token: absent"), "\(status.stdout)")
        #expect(try e.tool(["sh", "-c", "echo ${DBUS_SESSION_BUS_ADDRESS-unset}"]).stdout == "unset\n", "a D-Bus session reached the callers")

        // One acquisition per resource (git, ACR, AKS): the rest came from the cache.
        #expect(try w.counters() == (try w.expectedCounters(caller, acquisitions: 3)), "no sign-in, one request per resource")
        let gitToken = try #require(parallel.passwords.first)
        #expect(Set(e.gitTokens) == [gitToken], "git clone and push used the cached token")
        for (token, audience) in [(gitToken, DemoServers.gitAudience), (e.kubeTokens.last ?? "", DemoServers.kubeAudience)] {
            let claims = try e.verified(token)
            #expect(claims?["aud"] as? String == audience && claims?["appid"] as? String == caller.identity
                    && claims?["idtyp"] as? String == "app", "\(claims ?? [:])")
        }
        let acr = try #require(e.dockerCredentials.last, "docker got no credentials from the helper")
        #expect(acr.user == EndToEndWorld.acrUser && SignInWorld.claims(acr.secret)["aud"] as? String == e.servers.registryHost)
        let registry = e.servers.log("registry")
        #expect(exchanges() == exchangesBefore + 1, "\(registry)")
        #expect(registry.contains { $0.hasPrefix("registry: GET /v2/demo/hello/manifests/latest 200") }, "\(registry)")
        let gitLog = e.servers.log("git-server")
        #expect(gitLog.contains { $0.hasPrefix("git-server: POST /demo.git/git-receive-pack 200") }, "\(gitLog)")
        #expect(e.servers.log("kube-api").last?.hasPrefix("kube-api: GET /version 200") == true, "\(e.servers.log("kube-api"))")

        // Nothing secret on any stderr or in any file under HOME.
        let tokens = Set(e.gitTokens + e.kubeTokens + e.dockerCredentials.map(\.secret))
        let needles = caller.secrets + tokens.flatMap { [$0, String($0.split(separator: ".").last ?? "")] }
        let stderrs = parallel.stderr + [docker.stderr, kube.stderr, status.stderr, status.stdout] + gitSteps.map(\.stderr)
            + ["git-credential-entra", "docker-credential-entra", "entra-credential-helper"].map(e.errors)
        for needle in needles where needle.count >= 16 {
            #expect(!stderrs.contains { $0.contains(needle) }, "a secret or token on stderr")
            #expect(e.world.filesContaining(needle).isEmpty, "a secret or token in \(e.world.filesContaining(needle))")
        }
        let helperSaid = ["git-credential-entra", "docker-credential-entra", "entra-credential-helper"].map(e.errors).joined()
        #expect(helperSaid.isEmpty, "the helper had something to say (no D-Bus, no prompt needed): \(helperSaid)")
        #expect(!stderrs.contains(where: AppWorld.containsJWT), "a JWT on stderr: \(stderrs.filter(AppWorld.containsJWT))")
        #expect(w.filesWithJWTs().isEmpty, "a JWT in \(w.filesWithJWTs())")
    }

    @Test("a rotated federated token file is read again: the acquisition after the rotation presents the new token")
    func rotatedTokenFile() throws {
        let w = try world, e = w.e
        let caller = try w.prepare(.federatedTokenFile)
        e.world.extra = caller.environment
        // Tokens of 2 minutes, under the helper's 5-minute margin: the next call acquires again.
        try w.emulator.control("config", ["token_lifetime": 120])
        let path = try #require(caller.environment["AZURE_FEDERATED_TOKEN_FILE"])
        let first = try e.tool(["entra-credential-helper", "get-token", "--profile", "demo-git"])
        #expect(first.status == 0, "\(first.stderr)")
        let tokenA = try #require(caller.secrets.first)
        #expect(try w.lastAssertion()?["jti"] as? String == SignInWorld.claims(tokenA)["jti"] as? String)

        let claimsA = SignInWorld.claims(tokenA)
        let tokenB = try w.federatedToken(issuer: claimsA["iss"] as? String ?? "", subject: claimsA["sub"] as? String ?? "")
        try Data(tokenB.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)  // as the kubelet swaps it
        let second = try e.tool(["entra-credential-helper", "get-token", "--profile", "demo-git"])
        #expect(second.status == 0, "\(second.stderr)")
        let jtiB = try #require(SignInWorld.claims(tokenB)["jti"] as? String)
        #expect(try w.lastAssertion()?["jti"] as? String == jtiB, "the emulator did not see the rotated token")
        #expect(try w.counters()["client_credentials.federated"] == 2)
        #expect(first.stdout != second.stdout && !second.stdout.isEmpty)
        for text in [first.stderr, second.stderr, first.stdout, second.stdout] {
            #expect(!text.contains(tokenA) && !text.contains(tokenB))
        }
        #expect(e.world.filesContaining(tokenB).isEmpty && w.filesWithJWTs().isEmpty)
    }

    @Test("an app token the git server rejects: git erases it, and the next get acquires anew from the source, without D-Bus",
          arguments: [AppSource.clientSecret, .imds])
    func eraseAfter401(_ source: AppSource) throws {
        let w = try world, e = w.e
        let caller = try w.prepare(source)
        e.world.extra = caller.environment
        let name = String(UUID().uuidString.prefix(8))
        try e.cloneAndPush(file: "pushed-\(name)", into: "\(e.home)/work/\(name)")
        let first = try #require(e.gitTokens.last)
        // The token expires at the server while the helper still caches it (clock skew, revocation).
        try w.emulator.control("clock", ["advance": 7200])
        let rejected = try e.tool(["git", "-C", "\(e.home)/work/\(name)", "fetch", "-q"])
        #expect(rejected.status != 0 && rejected.stderr.contains("Authentication failed"), "\(rejected.stderr)")
        #expect(e.calls("git-credential-entra").last == "erase", "\(e.calls("git-credential-entra"))")
        let fetched = try e.tool(["git", "-C", "\(e.home)/work/\(name)", "fetch", "-q"])
        #expect(fetched.status == 0, "\(fetched.stderr) \(e.errors("git-credential-entra"))")
        let second = try #require(e.gitTokens.last)
        let claims = try e.verified(second)
        #expect(second != first && claims?["appid"] as? String == caller.identity)
        #expect(try w.counters() == (try w.expectedCounters(caller, acquisitions: 2)), "one acquisition before, one after the erase")
        #expect(e.errors("git-credential-entra").isEmpty, "\(e.errors("git-credential-entra"))")
    }
}
