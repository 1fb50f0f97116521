import EntraAuth
import Foundation
import HelperCore
import Testing
@testable import HelperApp

/// The seed CLI's flow names (issue 11): `interactive` is `browser`; the flows without a
/// person are accepted, stored and routed to their token source on every front end.
@Suite("seed CLI: flows")
struct SeedFlowTests {
    @Test("the config file reads and writes every flow name; `interactive` reads as browser", arguments: [
        ("interactive", Profile.Flow.browser, "browser"),
        ("browser", .browser, "browser"),
        ("device-code", .deviceCode, "device-code"),
        ("client-credentials", .clientCredentials, "client-credentials"),
        ("workload-identity", .workloadIdentity, "workload-identity"),
        ("managed-identity", .managedIdentity, "managed-identity"),
    ])
    func configFlow(name: String, flow: Profile.Flow, written: String) throws {
        let text = #"{"profiles": {"p": {"tenant": "t", "client_id": "c", "flow": "\#(name)"}}}"#
        let config = try Config.parse(Array(text.utf8), path: "/c.json")
        #expect(config.profile(named: "p")?.flow == flow)
        #expect(String(decoding: config.encoded(), as: UTF8.self).contains(#""flow": "\#(written)""#))
    }

    /// The flows without a person reach their real source (ChoosingSource), which says in
    /// one line what it lacks: no secret (it looks in the Secret Service, and this world has
    /// no D-Bus session), no federated token, no managed identity endpoint (IMDS overridden
    /// to a closed 127.0.0.1 port: tests never touch 169.254.169.254).
    static let sourceLines = [
        // No secret anywhere and no D-Bus session: the missing secret is the line (issue 11).
        "client-credentials": "entra-credential-helper: the client-credentials flow needs a client secret or certificate, which is not set; set AZURE_CLIENT_SECRET",
        "workload-identity": "entra-credential-helper: the workload-identity flow needs a federated token, which is not set; set AZURE_FEDERATED_TOKEN_FILE, or run in GitHub Actions (id-token: write) or an Azure Pipelines AzureCLI@2 task",
        "managed-identity": "entra-credential-helper: no managed identity endpoint answered at http://127.0.0.1:9",
    ]

    @Test("get-token, login and refresh route the flows without a person to their source: its one line, exit 1, nothing on stdout",
          arguments: ["client-credentials", "workload-identity", "managed-identity"])
    func flowRoutedToSource(flow: String) throws {
        let world = try FrontEndWorld()
        world.environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = "http://127.0.0.1:9"
        for command in ["get-token", "login", "refresh"] {
            let words = command == "refresh" ? [] : ["--flow", flow]
            if command == "refresh" { try world.setFlow(flow, profile: "git") }
            let (exit, streams) = world.run(["entra-credential-helper", command, "--profile", "git"] + words)
            #expect(exit == 1)
            #expect(streams.output.isEmpty)
            #expect(streams.diagnostics.count == 1, "\(command): \(streams.diagnostics)")
            #expect(streams.diagnostics.first?.hasPrefix(Self.sourceLines[flow]!) == true, "\(command): \(streams.diagnostics)")
        }
    }

    @Test("client-credentials with AZURE_CLIENT_SECRET asks the profile's authority for the app token")
    func clientSecretReachesAuthority() throws {
        let world = try FrontEndWorld()
        world.environment["AZURE_CLIENT_SECRET"] = "s3cret-value"
        let (exit, streams) = world.run(["entra-credential-helper", "get-token", "--profile", "git", "--flow", "client-credentials"])
        #expect(exit == 1 && streams.output.isEmpty)
        #expect(streams.diagnostics.count == 1, "\(streams.diagnostics)")
        #expect(streams.diagnostics.first?.contains("127.0.0.1:9") == true, "\(streams.diagnostics)")
        #expect(!streams.diagnostics.joined().contains("s3cret-value"))
    }

    @Test("client-credentials with AZURE_CLIENT_CERTIFICATE_PATH reads the certificate (libcrypto signs): a missing file is its line")
    func certificateIsRead() throws {
        let world = try FrontEndWorld()
        let missing = world.directory.appendingPathComponent("missing.pem").path
        world.environment["AZURE_CLIENT_CERTIFICATE_PATH"] = missing
        let (exit, streams) = world.run(["entra-credential-helper", "get-token", "--profile", "git", "--flow", "client-credentials"])
        #expect(exit == 1 && streams.output.isEmpty)
        #expect(streams.diagnostics.count == 1, "\(streams.diagnostics)")
        #expect(streams.diagnostics.first?.contains(missing) == true, "\(streams.diagnostics)")
    }

    @Test("git and kubectl: a routed profile with such a flow gets its source's line, and no token")
    func frontEnds() throws {
        let world = try FrontEndWorld()
        world.environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = "http://127.0.0.1:9"
        try world.setFlow("client-credentials", profile: "git")
        try world.setFlow("managed-identity", profile: "aks")
        let git = world.run(["git-credential-entra", "get"], stdin: "protocol=https\nhost=git.example\n\n")
        #expect(git.status == 1 && git.streams.output.isEmpty)
        #expect(git.streams.diagnostics.first?.hasPrefix(Self.sourceLines["client-credentials"]!) == true, "\(git.streams.diagnostics)")
        world.environment["KUBERNETES_EXEC_INFO"] = FrontEndWorld.execInfo(server: "https://c.hcp.eastus.azmk8s.io")
        let kubectl = world.run(["entra-credential-helper", "kubectl"])
        #expect(kubectl.status == 1 && kubectl.streams.output.isEmpty)
        #expect(kubectl.streams.diagnostics.first?.hasPrefix(Self.sourceLines["managed-identity"]!) == true, "\(kubectl.streams.diagnostics)")
    }

    @Test("--flow interactive is taken as the browser: the sign-in is attempted, not refused")
    func interactiveAccepted() throws {
        let world = try FrontEndWorld()
        let (exit, streams) = world.run(["entra-credential-helper", "get-token", "--profile", "git", "--flow", "interactive"])
        #expect(exit == 1)
        #expect(streams.diagnostics == ["entra-credential-helper: no sign-in is stored for profile git, and this caller cannot show a sign-in prompt; run `entra-credential-helper login --profile git` in a terminal, then retry"])
    }

    @Test("profile add stores --flow client-credentials, and interactive as browser")
    func profileAddFlow() throws {
        let world = try FrontEndWorld()
        for (name, flow, stored) in [("ci", "client-credentials", "client-credentials"), ("me", "interactive", "browser")] {
            let (exit, streams) = world.run(["entra-credential-helper", "profile", "add", name, "--tenant", "t", "--client-id", "c", "--flow", flow])
            #expect(exit == 0, "\(streams.diagnostics)")
            let config = try Config.parse(Array(try Data(contentsOf: world.configURL)), path: "/c.json")
            #expect(config.profile(named: name)?.flow.rawValue == stored)
        }
    }
}

extension FrontEndWorld {
    var configURL: URL { directory.appendingPathComponent("config.json") }

    /// Sets a profile's flow in the config file, as a hand edit would.
    func setFlow(_ flow: String, profile: String) throws {
        var text = try String(contentsOf: configURL, encoding: .utf8)
        text = text.replacingOccurrences(of: #""\#(profile)": {"#, with: #""\#(profile)": {"flow": "\#(flow)", "#)
        try text.write(to: configURL, atomically: true, encoding: .utf8)
    }
}
