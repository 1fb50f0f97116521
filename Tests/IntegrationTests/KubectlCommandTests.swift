import Foundation
import Testing

/// `entra-credential-helper kubectl` as kubectl runs it: KUBERNETES_EXEC_INFO in, one
/// ExecCredential on stdout (nothing else), the cluster's server picking the profile.
@Suite("kubectl exec credential", .serialized, .enabled(if: Harness.keyringReady))
struct KubectlCommandTests {
    static func info(_ apiVersion: String, interactive: Bool, server: String?) -> String {
        let cluster = server.map { #","cluster":{"server":"\#($0)"}"# } ?? ""
        return #"{"kind":"ExecCredential","apiVersion":"\#(apiVersion)","spec":{"interactive":\#(interactive)\#(cluster)}}"#
    }

    static func object(_ text: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    @Test("the cached token as an ExecCredential in kubectl's apiVersion; the server picks the profile")
    func answer() throws {
        let world = try SignInWorld()
        let token = try world.signInWithDeviceCode()
        try world.emulator.control("reset-counters", [:])
        world.extra["KUBERNETES_EXEC_INFO"] = Self.info("client.authentication.k8s.io/v1", interactive: false, server: "https://GIT.example:443")
        let v1 = try world.helper(["kubectl"])
        #expect(v1.status == 0, "\(v1.stderr)")
        let object = Self.object(v1.stdout)
        #expect(object?["apiVersion"] as? String == "client.authentication.k8s.io/v1")
        #expect(object?["kind"] as? String == "ExecCredential")
        let status = object?["status"] as? [String: Any]
        #expect(status?["token"] as? String == token)
        #expect((status?["expirationTimestamp"] as? String)?.hasSuffix("Z") == true)
        #expect(v1.stderr.isEmpty, "\(v1.stderr)")
        #expect(try world.emulator.totalRequests() == 0)

        world.extra["KUBERNETES_EXEC_INFO"] = nil
        let old = try world.helper(["kubectl", "--profile", "work"])
        #expect(old.status == 0, "\(old.stderr)")
        #expect(Self.object(old.stdout)?["apiVersion"] as? String == "client.authentication.k8s.io/v1beta1")
    }

    @Test("a cluster no profile names gets no token", arguments: ["https://git.example.evil.com", "https://evil.com/git.example",
                                                                  "http://git.example", "https://git.example@evil.com"])
    func unrouted(_ server: String) throws {
        let world = try SignInWorld()
        let token = try world.signInWithDeviceCode()
        world.extra["KUBERNETES_EXEC_INFO"] = Self.info("client.authentication.k8s.io/v1", interactive: true, server: server)
        let result = try world.helper(["kubectl"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("no profile names the host"), "\(result.stderr)")
        #expect(!result.stderr.contains(token))
    }

    @Test("no cluster server and no --profile: refused in one line naming provideClusterInfo, Entra never asked",
          arguments: [Self.info("client.authentication.k8s.io/v1", interactive: true, server: nil),
                      Self.info("client.authentication.k8s.io/v1beta1", interactive: false, server: nil), nil])
    func noClusterInfo(_ info: String?) throws {
        let world = try SignInWorld()
        let token = try world.signInWithDeviceCode()
        try world.emulator.control("reset-counters", [:])
        world.extra["KUBERNETES_EXEC_INFO"] = info
        // The default profile, and Lokka's AZURE_TENANT_ID/AZURE_CLIENT_ID profile, are not
        // a cluster's choice either.
        for extra in [[:], ["AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"]] {
            for (name, value) in extra { world.extra[name] = value }
            let result = try world.helper(["kubectl"])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("provideClusterInfo: true") && result.stderr.contains("--profile"), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
            #expect(!result.stderr.contains(token))
        }
        #expect(try world.emulator.totalRequests() == 0)
    }

    @Test("--profile gets a token only for a server the profile names", arguments: [
        "https://evil.example.org", "https://git.example.evil.com", "https://git.example:8443", "http://git.example",
        "https://admin:hunter2@evil.example.org/\\u001b[2J", "https://git.example/a/%2E%2e/b",
    ])
    func namedProfileRoutes(_ server: String) throws {
        let world = try SignInWorld()
        let token = try world.signInWithDeviceCode()
        try world.emulator.control("reset-counters", [:])
        world.extra["KUBERNETES_EXEC_INFO"] = Self.info("client.authentication.k8s.io/v1", interactive: true, server: server)
        let result = try world.helper(["kubectl", "--profile", "work"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(!result.stderr.contains(token) && !result.stderr.contains("hunter2") && !result.stderr.contains("\u{1B}"))
        #expect(result.stderr.hasPrefix("entra-credential-helper: ") && result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
        if server == "https://evil.example.org" {
            #expect(result.stderr.contains("`entra-credential-helper profile add work --host evil.example.org "), "\(result.stderr)")
        }
        #expect(try world.emulator.totalRequests() == 0, "Entra was asked")

        world.extra["KUBERNETES_EXEC_INFO"] = Self.info("client.authentication.k8s.io/v1", interactive: false, server: "https://git.example")
        let routed = try world.helper(["kubectl", "--profile", "work"])
        #expect(routed.status == 0, "\(routed.stderr)")
        #expect((Self.object(routed.stdout)?["status"] as? [String: Any])?["token"] as? String == token)
    }

    @Test("the no-profile line shows the server without its userinfo or escapes")
    func unroutedSanitised() throws {
        let world = try SignInWorld()
        world.extra["KUBERNETES_EXEC_INFO"] = Self.info("client.authentication.k8s.io/v1", interactive: false,
                                                        server: "https://admin:hunter2@evil.example\\u001b]0;owned\\u0007:6443\\r\\nfake")
        let result = try world.helper(["kubectl"])
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(result.stderr.contains("no profile names the host https://evil.example]0;owned:6443fake"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2") && !result.stderr.contains("admin"))
        #expect(!result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test("spec.interactive=false with no sign-in: the login command at once, no prompt, nothing on stdout")
    func nonInteractive() throws {
        let world = try SignInWorld()
        world.extra["KUBERNETES_EXEC_INFO"] = Self.info("client.authentication.k8s.io/v1", interactive: false, server: "https://git.example")
        let result = try world.helper(["kubectl"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("entra-credential-helper login --profile work"), "\(result.stderr)")
        #expect(result.seconds < 2)
        #expect(try world.emulator.totalRequests() == 0)
    }
}
