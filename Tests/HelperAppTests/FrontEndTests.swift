import Foundation
import HelperCore
import HelperProtocol
import Testing
@testable import HelperApp

/// Streams in memory: the request in, the answer and the human lines out.
final class MemoryStreams: ByteStreams {
    let input: [UInt8]
    private(set) var output: [UInt8] = []
    private(set) var diagnostics: [String] = []

    init(_ input: String = "") { self.input = Array(input.utf8) }

    func readInput(limit: Int) throws(HelperError) -> [UInt8] {
        guard input.count <= limit else { throw .inputTooLarge(limit: limit) }
        return input
    }
    func writeOutput(_ bytes: [UInt8]) { output += bytes }
    func writeDiagnostic(_ line: String) { diagnostics.append(line) }
    var stdout: String { String(decoding: output, as: UTF8.self) }
}

/// A config with one git profile and one AKS profile, whose authority is a loopback
/// port nothing listens on: nothing here can reach a network, and every case stops
/// before a prompt (USE_INTERACTIVE=false, spec.interactive=false) with the memory store.
final class FrontEndWorld {
    let directory: URL
    var environment: [String: String]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ech-frontend-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("run"), withIntermediateDirectories: true)
        let config = """
        {"profiles": {
          "git": {"tenant": "contoso.example", "client_id": "c1", "scopes": ["api://git/.default"],
                  "authority_host": "http://127.0.0.1:9", "hosts": ["git.example"]},
          "aks": {"tenant": "contoso.example", "client_id": "c2", "scopes": ["api://aks/.default"],
                  "authority_host": "http://127.0.0.1:9", "hosts": ["*.azmk8s.io"]},
          "acr": {"preset": "acr", "tenant": "contoso.example", "authority_host": "http://127.0.0.1:9", "hosts": ["r.azurecr.io"]}
        }}
        """
        try config.write(to: directory.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        environment = ["ENTRA_CREDENTIAL_HELPER_CONFIG": directory.appendingPathComponent("config.json").path,
                       "ENTRA_CREDENTIAL_HELPER_STORE": "memory", "USE_INTERACTIVE": "false",
                       "XDG_RUNTIME_DIR": directory.appendingPathComponent("run").path, "HOME": directory.path,
                       "AZURE_POD_IDENTITY_AUTHORITY_HOST": Self.closedIMDS]
    }

    /// IMDS for every world: a closed loopback port. `run` refuses an environment without
    /// it, or with a managed identity endpoint anywhere but loopback (tests never reach
    /// 169.254.169.254; IntegrationTests' ManagedIdentityGuard does the same for children).
    static let closedIMDS = "http://127.0.0.1:9"

    static func loopbackOnly(_ environment: [String: String]) -> Bool {
        guard environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"]?.isEmpty == false else { return false }
        return ["AZURE_POD_IDENTITY_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IMDS_ENDPOINT", "MSI_ENDPOINT"].allSatisfy { name in
            guard let value = environment[name], !value.isEmpty else { return true }
            let host = URLComponents(string: value)?.host?.lowercased() ?? ""
            return ["localhost", "::1", "[::1]"].contains(host) || (host.hasPrefix("127.") && host.split(separator: ".").count == 4
                && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
        }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func run(_ arguments: [String], stdin: String = "") -> (status: Int32, streams: MemoryStreams) {
        let streams = MemoryStreams(stdin)
        let env = environment
        guard Self.loopbackOnly(env) else {
            Issue.record("test guard: refusing to run with a managed identity endpoint that is missing or not loopback: \(env.filter { $0.key.contains("ENDPOINT") || $0.key.hasPrefix("AZURE_POD") })")
            return (99, streams)
        }
        return (App.run(arguments: arguments, streams: streams, environment: { env[$0] }), streams)
    }

    static func execInfo(server: String?, interactive: Bool = false) -> String {
        let cluster = server.map { #","cluster":{"server":"\#($0)"}"# } ?? ""
        return #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":\#(interactive)\#(cluster)}}"#
    }
}

@Suite("front ends over App.run: exit codes, streams, routing")
struct FrontEndTests {
    @Test("kubectl: usage errors exit 2, refusals exit 1; one line on stderr, nothing on stdout", arguments: [
        (["--bogus"], "https://c.hcp.eastus.azmk8s.io", Int32(2), "kubectl: unknown option '--bogus'"),
        ([], nil, 1, "kubectl sent no cluster server"),
        ([], "https://evil.example.org", 1, "no profile names the host https://evil.example.org"),
        (["--profile", "git"], "https://c.hcp.eastus.azmk8s.io", 1, "profile git does not name the cluster's host"),
        ([], "https://c.hcp.eastus.azmk8s.io", 1, "no sign-in is stored for profile aks"),
        (["--profile", "aks"], nil, 1, "no sign-in is stored for profile aks"),
    ] as [([String], String?, Int32, String)])
    func kubectl(arguments: [String], server: String?, status: Int32, line: String) throws {
        let world = try FrontEndWorld()
        world.environment["KUBERNETES_EXEC_INFO"] = FrontEndWorld.execInfo(server: server)
        let (exit, streams) = world.run(["entra-credential-helper", "kubectl"] + arguments)
        #expect(exit == status)
        #expect(streams.output.isEmpty)
        #expect(streams.diagnostics.count == 1)
        #expect(streams.diagnostics.first?.hasPrefix("entra-credential-helper: ") == true)
        #expect(streams.diagnostics.first?.contains(line) == true, "\(streams.diagnostics)")
    }

    @Test("git: a routed host that needs a sign-in fails with the login command on stderr, exit 1")
    func gitRouted() throws {
        let world = try FrontEndWorld()
        let (exit, streams) = world.run(["git-credential-entra", "get"], stdin: "protocol=https\nhost=git.example\n\n")
        #expect(exit == 1)
        #expect(streams.output.isEmpty)
        #expect(streams.diagnostics == ["entra-credential-helper: no sign-in is stored for profile git, and this caller cannot show a sign-in prompt; run `entra-credential-helper login --profile git` in a terminal, then retry"])
    }

    /// An app takes AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_AUTHORITY_HOST from the
    /// environment (an insecure authority is then refused on every front end); a person's
    /// profile is used as written, whatever a developer exported for another tool.
    @Test("a routed profile takes AZURE_AUTHORITY_HOST from the environment only when an app answers", arguments: [
        ([String: String](), false),
        (["ENTRA_CREDENTIAL_HELPER_FLOW": "workload-identity", "AZURE_FEDERATED_TOKEN_FILE": "/nonexistent/token"], true),
        (["AZURE_FEDERATED_TOKEN_FILE": "/nonexistent/token", "AZURE_CLIENT_ID": "app"], true),   // auto on AKS
        (["ENTRA_CREDENTIAL_HELPER_FLOW": "device-code"], false),
    ])
    func routedProfileUnderEnvironment(extra: [String: String], app: Bool) throws {
        let world = try FrontEndWorld()
        world.environment["AZURE_AUTHORITY_HOST"] = "http://evil.example"
        world.environment["KUBERNETES_EXEC_INFO"] = FrontEndWorld.execInfo(server: "https://c.hcp.eastus.azmk8s.io")
        for (name, value) in extra { world.environment[name] = value }
        for (arguments, stdin) in [(["git-credential-entra", "get"], "protocol=https\nhost=git.example\n\n"),
                                   (["docker-credential-entra", "get"], "r.azurecr.io"), (["entra-credential-helper", "kubectl"], "")] {
            let (exit, streams) = world.run(arguments, stdin: stdin)
            let said = streams.diagnostics.joined() + streams.stdout  // docker's errors go to stdout
            if app {
                #expect(exit == 1)
                #expect(said.contains("http://evil.example"), "\(arguments[0]): \(said)")
            } else {
                #expect(!said.contains("evil.example"), "\(arguments[0]): \(said)")
            }
        }
    }

    @Test("git: a routed host with a dot segment in its path is refused before anything else")
    func gitDotSegment() throws {
        let world = try FrontEndWorld()
        let (exit, streams) = world.run(["git-credential-entra", "get"], stdin: "protocol=https\nhost=git.example\npath=a/../b\n\n")
        #expect(exit == 1)
        #expect(streams.diagnostics.first?.contains("holds a '.' or '..' segment") == true)
    }

    @Test("docker: errors go to stdout (docker shows them), exit 1", arguments: [
        (["frobnicate"], "", "Unknown credential action `frobnicate`"),
        (["get"], "r.azurecr.io", "no sign-in is stored for profile acr"),
    ])
    func docker(arguments: [String], stdin: String, text: String) throws {
        let world = try FrontEndWorld()
        let (exit, streams) = world.run(["docker-credential-entra"] + arguments, stdin: stdin)
        #expect(exit == 1)
        #expect(streams.stdout.contains(text), "\(streams.stdout)")
        #expect(streams.diagnostics.isEmpty)
    }

    @Test("Services builds the engine once per --store, and says the file store's warning once")
    func engineOnce() throws {
        let world = try FrontEndWorld()
        var told: [String] = []
        let env = world.environment
        let services = Services(environment: { env[$0] }, tell: { told.append($0) })
        let memory = try services.engine(storeFlag: nil)
        #expect(try services.engine(storeFlag: nil) === memory)
        let file = try services.engine(storeFlag: "file")
        #expect(file !== memory)
        #expect(try services.engine(storeFlag: "file") === file)
        #expect(told.count == 1 && told.first?.contains("file") == true, "\(told)")
        #expect(throws: HelperError.self) { try services.engine(storeFlag: "floppy") }
    }
}
