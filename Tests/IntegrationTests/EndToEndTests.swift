import Foundation
import Testing

/// Real git, the real docker CLI and real kubectl going through the helper to the demo
/// servers (integrations/demo/servers/), which let in only tokens the emulator issued, for
/// their own audience. See EndToEndWorld for the wiring.
@Suite("EndToEnd: git, docker and kubectl against the demo servers", .serialized, .enabled(if: Harness.keyringReady))
struct EndToEndTests {
    @Test("the right token on each wire: git an Entra token for api://demo-git, kubectl one for AKS, docker an ACR token from the exchange")
    func tokenKinds() throws {
        let e = try EndToEndWorld()
        try e.login()
        try e.cloneAndPush()
        let pushed = try run(["git", "--git-dir", e.servers.repository, "rev-parse", "main"])
        let local = try e.tool(["git", "-C", e.clone, "rev-parse", "HEAD"])
        #expect(pushed.status == 0 && pushed.stdout == local.stdout, "the push did not reach the server")

        let gitToken = try #require(e.gitTokens.last, "git got no password from the helper")
        #expect(try e.verified(gitToken)?["aud"] as? String == DemoServers.gitAudience)
        #expect(e.answers("git-credential-entra").contains("username=ada@contoso.example\n"))
        let gitLog = e.servers.withToken("git-server")
        #expect(!gitLog.isEmpty && gitLog.allSatisfy { $0.hasSuffix(" (ada@contoso.example)") }, "\(gitLog)")
        #expect(gitLog.contains { $0.hasPrefix("git-server: POST /demo.git/git-receive-pack 200") }, "\(gitLog)")

        let kube = try e.kubectlVersion()
        #expect(kube.status == 0, "\(kube.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(kube.stdout.utf8)) as? [String: Any])?["major"] as? String == "1",
                "\(kube.stdout)")
        let kubeToken = try #require(e.kubeTokens.last, "kubectl got no ExecCredential from the helper")
        #expect(try e.verified(kubeToken)?["aud"] as? String == DemoServers.kubeAudience)
        let kubeLog = e.servers.withToken("kube-api")
        #expect(!kubeLog.isEmpty && kubeLog.allSatisfy { $0 == "kube-api: GET /version 200 (ada@contoso.example)" }, "\(kubeLog)")

        let docker = try e.dockerInspect()
        #expect(docker.status == 0, "\(docker.stdout)\(docker.stderr)")
        #expect(docker.stdout.contains("\"schemaVersion\": 2"), "\(docker.stdout)")
        let acr = try #require(e.dockerCredentials.last, "docker got no credentials from the helper")
        #expect(acr.user == EndToEndWorld.acrUser)
        #expect(try e.verified(acr.secret) == nil, "docker was handed an Entra token, not the ACR refresh token")
        #expect(SignInWorld.claims(acr.secret)["aud"] as? String == e.servers.registryHost, "not an ACR refresh token for this registry")
        let registryLog = e.servers.log("registry")
        #expect(registryLog.contains { $0.hasPrefix("registry: POST /oauth2/exchange 200") }, "\(registryLog)")
        #expect(registryLog.contains { $0.hasPrefix("registry: GET /v2/demo/hello/manifests/latest 200") }, "\(registryLog)")
        #expect(Set([gitToken, kubeToken, acr.secret]).count == 3)
    }

    @Test("one sign-in, one refresh token: git clone and push, docker and kubectl make one refresh per other resource")
    func oneRefreshTokenForAll() throws {
        let e = try EndToEndWorld()
        try e.login()
        #expect(try e.grants("device_code") == 1)
        #expect(try e.refreshTokenItems() == 1)
        try e.emulator.control("reset-counters", [:])

        try e.cloneAndPush()
        #expect(try e.grants("refresh_token") == 0, "git has the login's cached token")
        let docker = try e.dockerInspect()
        #expect(docker.status == 0, "\(docker.stdout)\(docker.stderr)")
        #expect(try e.grants("refresh_token") == 1, "docker: one refresh for the ACR scope")
        for _ in 0..<2 {
            let kube = try e.kubectlVersion()
            #expect(kube.status == 0, "\(kube.stderr)")
        }
        let again = try e.dockerInspect()
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")

        let counters = try e.emulator.counters()
        let grants = counters["grants"] as? [String: Int]
        #expect(grants == ["refresh_token": 2, "device_code": 0, "authorization_code": 0, "other": 0], "\(counters)")
        #expect(counters["devicecode"] as? Int == 0 && counters["authorize"] as? Int == 0, "\(counters)")
        #expect(try e.refreshTokenItems() == 1, "one refresh token serves the three profiles")
        #expect(e.servers.log("registry").filter { $0.hasPrefix("registry: POST /oauth2/exchange 200") }.count == 1,
                "the ACR refresh token is cached")
        #expect(Set(e.gitTokens).count == 1 && Set(e.kubeTokens).count == 1)
    }

    @Test("a token the git server rejects: git erases it, and the next get refreshes with the stored refresh token")
    func eraseAfter401() throws {
        let e = try EndToEndWorld()
        try e.login()
        try e.cloneAndPush()
        let first = try #require(e.gitTokens.last)
        // The token expires at the server while the helper still caches it (clock skew, revocation).
        try e.emulator.control("clock", ["advance": 7200])
        try e.emulator.control("reset-counters", [:])

        let rejected = try e.tool(["git", "-C", e.clone, "fetch", "-q"])
        #expect(rejected.status != 0)
        #expect(rejected.stderr.contains("Authentication failed"), "\(rejected.stderr)")
        #expect(e.calls("git-credential-entra").last == "erase", "\(e.calls("git-credential-entra"))")
        #expect(e.gitTokens.last == first, "the helper answered its cached token")
        #expect(e.servers.log("git-server").last?.hasSuffix("401 (emulator: expired)") == true, "\(e.servers.log("git-server"))")
        #expect(try e.grants("refresh_token") == 0)

        let fetched = try e.tool(["git", "-C", e.clone, "fetch", "-q"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(try e.grants("refresh_token") == 1, "the get after the erase refreshes")
        #expect(try e.grants("device_code") == 0 && (try e.emulator.counters()["devicecode"] as? Int) == 0, "no new sign-in")
        let second = try #require(e.gitTokens.last)
        #expect(second != first)
        #expect(try e.verified(second)?["aud"] as? String == DemoServers.gitAudience)
        #expect(try e.refreshTokenItems() == 1, "the refresh token stays")
        #expect(e.servers.log("git-server").last?.hasSuffix(" 200 (ada@contoso.example)") == true)
    }

    @Test("kubectl with interactiveMode: Never and no sign-in fails at once with the login command, asking Entra nothing")
    func kubectlNever() throws {
        let e = try EndToEndWorld()
        try e.kubeconfig(interactiveMode: "Never")
        let result = try e.kubectlVersion()
        #expect(result.status != 0)
        #expect(result.stderr.contains("entra-credential-helper login --profile \(EndToEndWorld.aksProfile)"), "\(result.stderr)")
        #expect(result.seconds < 15, "took \(result.seconds) s")
        let counters = try e.emulator.counters()
        #expect(try e.emulator.totalRequests() == 0, "\(counters)")
        #expect(e.servers.withToken("kube-api").isEmpty)
        #expect(e.kubeTokens.isEmpty)
    }

    @Test("no token in any file under HOME, XDG dirs, git, docker and kube configs after all three tools ran")
    func noTokenInHome() throws {
        let e = try EndToEndWorld()
        try e.login()
        try e.cloneAndPush()
        let kube = try e.kubectlVersion()
        #expect(kube.status == 0, "\(kube.stderr)")
        let docker = try e.dockerInspect()
        #expect(docker.status == 0, "\(docker.stdout)\(docker.stderr) registry: \(e.servers.log("registry"))")
        try e.emulator.control("clock", ["advance": 7200])  // and a rejected token: erase, refresh
        _ = try e.tool(["git", "-C", e.clone, "fetch", "-q"])
        #expect(try e.tool(["git", "-C", e.clone, "fetch", "-q"]).status == 0)

        let refresh = try #require(try e.world.storedRefreshToken(), "no refresh token in the keyring")
        let tokens = e.gitTokens + e.kubeTokens + e.dockerCredentials.map(\.secret) + [refresh]
        #expect(Set(e.gitTokens).count == 2 && e.kubeTokens.count == 1 && e.dockerCredentials.count >= 1, "\(tokens.count)")
        for token in Set(tokens) {
            // The whole token, and its signature alone (a token cut or re-encoded would still leak).
            let pieces = [token, String(token.split(separator: ".").last ?? "")].filter { $0.count >= 16 }
            for piece in pieces {
                #expect(e.world.filesContaining(piece).isEmpty, "a token is in \(e.world.filesContaining(piece))")
            }
        }
        let files = FileManager.default.enumerator(atPath: e.world.home.path)?.allObjects.count ?? 0
        #expect(files > 10, "the scan saw \(files) entries: HOME was not used")
    }
}
