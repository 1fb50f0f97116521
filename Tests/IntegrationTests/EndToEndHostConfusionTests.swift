import Foundation
import Testing

/// Hosts that look like a routed one but are not get no token: real git, kubectl and docker
/// reach the demo servers (or a decoy git-server on another port) under those names, get
/// their 401, ask the helper, and it answers nothing; Entra is not asked either.
@Suite("EndToEnd: no token for a lookalike host", .serialized, .enabled(if: Harness.keyringReady))
struct EndToEndHostConfusionTests {
    /// {git}: the git-server's port, {decoy}: the decoy git-server's, {kube}, {registry}.
    /// git resolves evil.example and 127.0.0.1.evil.example to 127.0.0.1 (http.curloptResolve).
    static let cases: [(tool: String, target: String)] = [
        ("git", "http://localhost:{git}/demo.git"),
        ("git", "http://127.0.0.1.evil.example:{git}/demo.git"),
        ("git", "http://evil.example:{git}/demo.git"),
        ("git", "http://127.0.0.1@evil.example:{git}/demo.git"),
        ("git", "http://127.0.0.1:{git}@evil.example:{git}/demo.git"),
        ("git", "http://evil.example:{git}/127.0.0.1:{git}/demo.git"),
        ("git", "http://127.0.0.1:{decoy}/demo.git"),
        ("kubectl", "https://localhost:{kube}"),
        // The profile named in the exec args must route the server too (issue 9, item 1):
        // a context pointed elsewhere, and `kubectl --server` over the right context.
        ("kubectl --profile", "https://localhost:{kube}"),
        ("kubectl --server", "https://localhost:{kube}"),
        ("docker", "localhost:{registry}/demo/hello:latest"),
    ]

    @Test("no token, nothing asked of Entra", arguments: cases)
    func lookalike(_ tool: String, _ target: String) throws {
        let e = try EndToEndWorld(decoy: true)
        try e.login()
        try e.emulator.control("reset-counters", [:])
        let ports = e.servers.ports
        var resolved = target
        for (name, key) in [("git-server", "{git}"), ("decoy", "{decoy}"), ("kube-api", "{kube}"), ("registry", "{registry}")] {
            resolved = resolved.replacingOccurrences(of: key, with: String(ports[name] ?? 0))
        }
        let result: Outcome
        switch tool {
        case "git":
            let resolve = ["evil.example", "127.0.0.1.evil.example"].flatMap {
                ["-c", "http.curloptResolve=\($0):\(e.servers.gitPort):127.0.0.1"]
            }
            result = try e.tool(["git"] + resolve + ["clone", "-q", resolved, "\(e.home)/work/lookalike"])
        case "kubectl":
            try e.kubeconfig(interactiveMode: "IfAvailable", server: resolved)
            result = try e.kubectlVersion()
        case "kubectl --profile":
            try e.kubeconfig(interactiveMode: "IfAvailable", server: resolved, profile: EndToEndWorld.aksProfile)
            result = try e.kubectlVersion()
        case "kubectl --server":
            try e.kubeconfig(interactiveMode: "IfAvailable", profile: EndToEndWorld.aksProfile)
            result = try e.tool(["kubectl", "--server", resolved, "get", "--raw", "/version"])
        default:
            // credsStore sends docker's request for every registry to the helper.
            try e.world.home.write("home/.docker/config.json", #"{"credsStore": "entra"}"#)
            result = try e.dockerInspect(resolved)
        }
        #expect(result.status != 0, "\(tool) got in: \(result.stdout)")
        for server in ["git-server", "decoy", "kube-api", "registry"] {
            #expect(e.servers.withToken(server).isEmpty, "\(server) saw a token: \(e.servers.withToken(server))")
        }
        #expect(!e.servers.log("registry").contains { $0.contains("/oauth2/exchange") })
        #expect(e.gitTokens.isEmpty && e.kubeTokens.isEmpty && e.dockerCredentials.isEmpty, "the helper answered a token")
        let counters = try e.emulator.counters()
        #expect(try e.emulator.totalRequests() == 0, "\(counters)")
        let asked = e.calls("git-credential-entra") + e.calls("entra-credential-helper") + e.calls("docker-credential-entra")
        #expect(!asked.isEmpty, "the helper was never asked: the case tests nothing")
    }
}
