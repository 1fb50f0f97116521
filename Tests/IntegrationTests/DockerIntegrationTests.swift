import Foundation
import Testing

/// Debian's docker-registry on a free loopback port, with htpasswd (bcrypt) auth.
final class LocalRegistry {
    let port: Int
    let dir: TemporaryDirectory
    private let process: Spawned
    static let user = "alice"
    static let password = "registry-pa55"

    var host: String { "127.0.0.1:\(port)" }

    init() throws {
        dir = try TemporaryDirectory()
        port = freePort()
        let htpasswd = try run(["htpasswd", "-Bbn", Self.user, Self.password])
        guard htpasswd.status == 0 else { throw CocoaError(.executableLoad) }
        try dir.write("htpasswd", htpasswd.stdout)
        let config = try dir.write("config.yml", """
            version: 0.1
            log: { level: error }
            storage: { filesystem: { rootdirectory: \(dir.file("data")) } }
            http: { addr: 127.0.0.1:\(port) }
            auth: { htpasswd: { realm: ech-test, path: \(dir.file("htpasswd")) } }
            """)
        let log = dir.file("registry.log")
        process = try Spawned(["docker-registry", "serve", config], environment: Harness.environment,
                              stderr: log)
        try process.waitUntilListening(on: port, log: log)
    }

    deinit { process.terminate() }
}

@Suite("docker with a real keyring", .enabled(if: Harness.keyringReady, "needs scripts/test.sh's keyring session"))
struct DockerIntegrationTests {
    let bin: HelperBin
    let config: TemporaryDirectory

    init() throws {
        bin = try HelperBin()
        config = try TemporaryDirectory()
        try config.write("config.json", #"{"credsStore": "entra"}"#)
    }

    func docker(_ arguments: [String], input: String = "") throws -> Outcome {
        try run(["docker"] + arguments, stdin: input,
                environment: ["PATH": bin.searchPath, "DOCKER_CONFIG": config.path])
    }

    func helper(_ action: String, _ input: String) throws -> Outcome {
        try run([bin.dir.file("docker-credential-entra"), action], stdin: input)
    }

    @Test("docker login and logout go through credsStore: entra",
          .enabled(if: Harness.which("docker") != nil && Harness.which("docker-registry") != nil))
    func loginLogout() throws {
        let registry = try LocalRegistry()
        let login = try docker(["login", registry.host, "-u", LocalRegistry.user, "--password-stdin"],
                               input: LocalRegistry.password)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("Login Succeeded"), "\(login.stdout)\(login.stderr)")
        // The password is in the keyring, not in docker's config file.
        let configText = try String(contentsOfFile: config.file("config.json"), encoding: .utf8)
        #expect(!configText.contains(LocalRegistry.password))
        let stored = try helper("get", registry.host)
        #expect(stored.stdout == #"{"ServerURL":"\#(registry.host)","Username":"alice","Secret":"\#(LocalRegistry.password)"}"# + "\n")
        let listed = try helper("list", "")
        #expect(listed.stdout.contains("\"\(registry.host)\":\"alice\""), "\(listed.stdout)\(listed.stderr)")

        let wrong = try docker(["login", registry.host, "-u", LocalRegistry.user, "--password-stdin"], input: "wrong")
        #expect(wrong.status != 0, "\(wrong.stdout)\(wrong.stderr)")
        let kept = try helper("get", registry.host)
        #expect(kept.status == 0, "a failed login must not lose the stored one: \(kept.stdout)\(kept.stderr)")

        let logout = try docker(["logout", registry.host])
        #expect(logout.status == 0, "\(logout.stderr)")
        let after = try helper("get", registry.host)
        #expect(after.status == 1 && after.stdout == "credentials not found in native keychain\n",
                "\(after.stdout)\(after.stderr)")
    }

    @Test("stored by docker-credential-secretservice, read by us; and back",
          .enabled(if: Harness.dockerPeer != nil, "needs golang-docker-credential-helpers"))
    func interop() throws {
        let peer = Harness.dockerPeer!
        let serverA = uniqueHost("docker-peer")
        let store = try run([peer, "store"], stdin: #"{"ServerURL":"\#(serverA)","Username":"<token>","Secret":"id-token"}"#)
        #expect(store.status == 0)
        let ours = try helper("get", serverA)
        let theirs = try run([peer, "get"], stdin: serverA)
        #expect(ours.stdout == #"{"ServerURL":"\#(serverA)","Username":"\u003ctoken\u003e","Secret":"id-token"}"# + "\n")
        #expect(ours.stdout == theirs.stdout, "byte-identical answers")

        let serverB = uniqueHost("docker-ours")
        #expect(try helper("store", #"{"ServerURL":"\#(serverB)","Username":"bob","Secret":"s&<>"}"#).status == 0)
        let back = try run([peer, "get"], stdin: serverB)
        #expect(back.stdout == #"{"ServerURL":"\#(serverB)","Username":"bob","Secret":"s\u0026\u003c\u003e"}"# + "\n")
        #expect(back.stdout == (try helper("get", serverB)).stdout)

        let peerList = try run([peer, "list"])
        let ourList = try helper("list", "")
        for server in [serverA, serverB] {
            #expect(peerList.stdout.contains("\"\(server)\":"))
            #expect(ourList.stdout.contains("\"\(server)\":"))
        }

        #expect(try run([peer, "erase"], stdin: serverB).status == 0)
        #expect(try helper("get", serverB).stdout == "credentials not found in native keychain\n")
        #expect(try helper("erase", serverA).status == 0)
        #expect(try run([peer, "get"], stdin: serverA).stdout == "credentials not found in native keychain\n")
    }

    @Test("list never shows other programs' secrets")
    func listOnlyDocker() throws {
        let host = uniqueHost("git-only")
        let stored = try run([Harness.binary, "git", "store"], stdin: "protocol=https\nhost=\(host)\nusername=u\npassword=p\n")
        #expect(stored.status == 0)
        let list = try helper("list", "")
        #expect(list.status == 0)
        #expect(!list.stdout.contains(host))
    }
}
