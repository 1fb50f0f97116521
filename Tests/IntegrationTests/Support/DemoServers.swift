import Foundation
import Testing

/// The offline demo's three resource servers (integrations/demo/servers/, README.md there)
/// beside an Emulator, each on a free 127.0.0.1 port: git-server.py with an empty bare
/// repository `demo.git`, registry.py, and kube-api.py over HTTPS with a fresh self-signed
/// certificate. Every process stops when the value goes away, also when a test fails
/// half-way (each Spawned terminates itself in deinit).
final class DemoServers {
    static let gitAudience = "api://demo-git"
    static let registryAudience = "https://containerregistry.azure.net"
    static let kubeAudience = "6dae42f8-4368-4678-94ff-3960e28e3630"

    let dir: TemporaryDirectory
    private var processes: [String: Spawned] = [:]
    private(set) var ports: [String: Int] = [:]

    static var scripts: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../integrations/demo/servers").standardized.path
    }

    /// `decoy`: a second git-server on its own port, for requests that must never carry a token.
    /// `tlsRegistry`: registry.py over https with kube-api's certificate (`kubeCertificate`).
    init(emulator: Emulator, decoy: Bool = false, tlsRegistry: Bool = false) throws {
        dir = try TemporaryDirectory()
        let made = try run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                            "-keyout", dir.file("kube-key.pem"), "-out", dir.file("kube-cert.pem")])
        guard made.status == 0 else { throw ControlFailed(text: "openssl: \(made.stderr)") }
        try FileManager.default.createDirectory(atPath: dir.file("repos"), withIntermediateDirectories: true)
        let bare = try run(["git", "init", "-q", "--bare", dir.file("repos/demo.git")])
        guard bare.status == 0 else { throw ControlFailed(text: "git init: \(bare.stderr)") }

        let common = ["--emulator", emulator.authority]
        try start("git-server", ["git-server.py", "--root", dir.file("repos"), "--audience", Self.gitAudience] + common)
        let tls = tlsRegistry ? ["--cert", dir.file("kube-cert.pem"), "--key", dir.file("kube-key.pem")] : []
        try start("registry", ["registry.py", "--audience", Self.registryAudience] + tls + common)
        try start("kube-api", ["kube-api.py", "--cert", dir.file("kube-cert.pem"), "--key", dir.file("kube-key.pem"),
                               "--audience", Self.kubeAudience] + common)
        if decoy {
            try start("decoy", ["git-server.py", "--root", dir.file("repos"), "--audience", Self.gitAudience] + common)
        }
    }

    private func start(_ name: String, _ arguments: [String]) throws {
        let portFile = dir.file("\(name).port"), log = dir.file("\(name).log")
        var argv = ["python3", "\(Self.scripts)/\(arguments[0])"] + arguments.dropFirst()
        argv += ["--port-file", portFile]
        let process = try Spawned(argv, environment: Harness.environment, stderr: log)
        processes[name] = process
        ports[name] = try process.waitForPortFile(portFile, log: log)
    }

    deinit {
        for process in processes.values { process.terminate() }
    }

    var gitPort: Int { ports["git-server"] ?? 0 }
    var registryPort: Int { ports["registry"] ?? 0 }
    var kubePort: Int { ports["kube-api"] ?? 0 }
    var decoyPort: Int { ports["decoy"] ?? 0 }
    var gitHost: String { "127.0.0.1:\(gitPort)" }
    var registryHost: String { "127.0.0.1:\(registryPort)" }
    var kubeHost: String { "127.0.0.1:\(kubePort)" }
    var repositoryURL: String { "http://\(gitHost)/demo.git" }
    var kubeCertificate: String { dir.file("kube-cert.pem") }
    /// The bare repository git-server serves.
    var repository: String { dir.file("repos/demo.git") }

    /// A server's log lines so far (`NAME: METHOD /path STATUS (note)`, never a token).
    func log(_ name: String) -> [String] {
        ((try? String(contentsOfFile: dir.file("\(name).log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// The log lines of requests the server let in (2xx).
    func accepted(_ name: String) -> [String] {
        log(name).filter { $0.range(of: #" 2\d\d( |$)"#, options: .regularExpression) != nil }
    }

    /// The log lines of requests that came with a token of the emulator's (accepted, or
    /// refused for its audience or expiry): every note but those for no credentials at all and
    /// "emulator: not a JWT" (a user:password from a URL, say).
    func withToken(_ name: String) -> [String] {
        let none = ["(no credentials)", "(no token)", "(no refresh token)", "(emulator: not a JWT)"]
        return log(name).filter { line in line.hasSuffix(")") && !none.contains { line.hasSuffix($0) } }
    }

    /// A kubeconfig whose user runs `command kubectl` as the exec credential plugin.
    /// `profile`: the exec args name it (`kubectl --profile P`), as `setup kubectl --profile P` writes.
    func kubeconfig(command: String, interactiveMode: String, server: String? = nil, profile: String? = nil) throws -> String {
        let ca = try Data(contentsOf: URL(fileURLWithPath: kubeCertificate)).base64EncodedString()
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: demo
              cluster:
                server: \(server ?? "https://\(kubeHost)")
                certificate-authority-data: \(ca)
            users:
            - name: demo
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: \(command)
                  args: [kubectl\(profile.map { ", --profile, \($0)" } ?? "")]
                  provideClusterInfo: true
                  interactiveMode: \(interactiveMode)
            contexts:
            - name: demo
              context: {cluster: demo, user: demo}
            current-context: demo

            """
    }
}
