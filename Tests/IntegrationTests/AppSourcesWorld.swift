import Foundation
import Testing

/// The token sources of callers without a person, each set up as CI or Azure would set it up:
/// the emulator's app, federated credential or managed identity registered, and the
/// environment the job, pod or VM would have.
enum AppSource: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case clientSecret = "client secret (AZURE_CLIENT_SECRET)"
    case certificate = "client certificate (AZURE_CLIENT_CERTIFICATE_PATH, PKCS#12 with a password)"
    case certificateChain = "client certificate (PEM, AZURE_CLIENT_SEND_CERTIFICATE_CHAIN, subject name and issuer)"
    case federatedTokenFile = "workload identity (AZURE_FEDERATED_TOKEN_FILE, flow auto)"
    case gitHubActions = "GitHub Actions OIDC (ACTIONS_ID_TOKEN_REQUEST_URL)"
    case azurePipelines = "Azure Pipelines OIDC (SYSTEM_OIDCREQUESTURI)"
    case imds = "managed identity, IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST), system-assigned"
    case appService = "managed identity, App Service (IDENTITY_ENDPOINT), user-assigned"

    var testDescription: String { rawValue }
}

/// One caller's setup: what the helper's environment holds, which identity its tokens must
/// name, which emulator counters one token acquisition moves, and what must never be shown.
struct AppCaller {
    var environment: [String: String]
    var identity: String
    var perAcquisition: [String: Int]
    var secrets: [String]
    /// What `status` says of it.
    var status: [String]
}

/// One EndToEndWorld (emulator, git server, registry, kube-api, real git, docker CLI and
/// kubectl wired to the helper) shared by a suite: see `SharedAppWorld`. The helper runs as in
/// CI: CI=true, no terminal, no D-Bus session (DBUS_SESSION_BUS_ADDRESS unset), and none of
/// the app variables of the machine running the tests. Each caller gets ids of its own, so
/// nothing cached for one (the kernel keyring, keyed by tenant and client id) serves another.
final class AppWorld: @unchecked Sendable {
    @TaskLocal static var current: AppWorld?

    let e: EndToEndWorld
    /// Certificates and federated token files: outside HOME, as on a build agent or a pod.
    let files: TemporaryDirectory
    let tenant = UUID().uuidString.lowercased()

    /// Every variable the helper reads for an app token source.
    static let appVariables = [
        "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
        "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
        "AZURE_AUTHORITY_HOST", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_OIDCREQUESTURI",
        "SYSTEM_ACCESSTOKEN", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
        "IMDS_ENDPOINT", "MSI_ENDPOINT", "MSI_SECRET", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "ENTRA_CREDENTIAL_HELPER_FLOW",
        "CLIENT_SECRET", "TENANT_ID", "CLIENT_ID", "USE_INTERACTIVE", "DBUS_SESSION_BUS_ADDRESS",
    ]

    init() throws {
        e = try EndToEndWorld(captureStderr: true)
        files = try TemporaryDirectory()
        e.unset = Self.appVariables
        // Each caller clones what the one before pushed: the server's HEAD names that branch.
        let head = try run(["git", "--git-dir", e.servers.repository, "symbolic-ref", "HEAD", "refs/heads/main"])
        guard head.status == 0 else { throw ControlFailed(text: "git symbolic-ref: \(head.stderr)") }
    }

    var emulator: Emulator { e.emulator }

    /// A fresh emulator state (counters, apps, CI secrets) and, for the source, a fresh
    /// registration and the environment that reaches it. The capture files start empty.
    func prepare(_ source: AppSource) throws -> AppCaller {
        try emulator.control("reset", [:])
        for name in ["git-credential-entra", "docker-credential-entra", "entra-credential-helper"] {
            for kind in ["calls", "answers", "errors"] { try? FileManager.default.removeItem(atPath: e.capture.file("\(name).\(kind)")) }
        }
        let appID = UUID().uuidString.lowercased()
        // IMDS at a closed loopback port unless the source is IMDS: a slip never reaches 169.254.169.254.
        let nowhere = ["CI": "true", "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:\(freePort())"]
        var env = nowhere.merging(["AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": appID, "AZURE_AUTHORITY_HOST": emulator.authority]) { $1 }
        let oidc = try emulator.control("oidc") as? [String: Any] ?? [:]
        func field(_ group: String, _ name: String) throws -> String {
            guard let value = (oidc[group] as? [String: Any])?[name] as? String, !value.isEmpty else {
                throw ControlFailed(text: "the emulator's oidc settings have no \(group).\(name): \(oidc)")
            }
            return value
        }
        let granted = ["token": 1, "client_credentials.requests": 1]
        switch source {
        case .clientSecret:
            let secret = "cs~" + UUID().uuidString
            try register(appID, ["secrets": [secret]])
            env["AZURE_CLIENT_SECRET"] = secret
            return AppCaller(environment: env, identity: appID, perAcquisition: granted.merging(["client_credentials.secret": 1]) { $1 },
                             secrets: [secret], status: ["flow: client-credentials", "identity: app \(appID)"])
        case .certificate:
            let password = "pw-" + UUID().uuidString
            let (pem, p12) = try certificate(password: password)
            try register(appID, ["certificates": [pem]])
            env["AZURE_CLIENT_CERTIFICATE_PATH"] = p12
            env["AZURE_CLIENT_CERTIFICATE_PASSWORD"] = password
            return AppCaller(environment: env, identity: appID,
                             perAcquisition: granted.merging(["client_credentials.certificate": 1]) { $1 }, secrets: [password],
                             status: ["flow: client-credentials", "identity: app \(appID)"])
        case .certificateChain:
            // Registered by subject name and issuing CA only: the x5c chain is what lets it in.
            let (subject, ca, pem) = try issuedCertificate()
            try register(appID, ["subject_names": [["subject": subject, "ca": ca]]])
            env["AZURE_CLIENT_CERTIFICATE_PATH"] = pem
            env["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"] = "true"
            return AppCaller(environment: env, identity: appID, perAcquisition: granted.merging(["client_credentials.certificate": 1]) { $1 },
                             secrets: [], status: ["flow: client-credentials", "identity: app \(appID)"])
        case .federatedTokenFile:
            let issuer = "https://oidc.aks.example/\(tenant)/", subject = "system:serviceaccount:ci:builder"
            try register(appID, ["federated_credentials": [["issuer": issuer, "subject": subject]]])
            let token = try federatedToken(issuer: issuer, subject: subject)
            env["AZURE_FEDERATED_TOKEN_FILE"] = try files.write("azure-identity-token-\(appID)", token)
            return AppCaller(environment: env, identity: appID,
                             perAcquisition: granted.merging(["client_credentials.federated": 1]) { $1 }, secrets: [token],
                             status: ["flow: workload-identity", "identity: app \(appID)"])
        case .gitHubActions:
            try register(appID, ["federated_credentials": [["issuer": try field("github", "issuer"), "subject": try field("github", "subject")]]])
            env["ENTRA_CREDENTIAL_HELPER_FLOW"] = "workload-identity"
            for name in ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"] { env[name] = try field("github", name) }
            return AppCaller(environment: env, identity: appID,
                             perAcquisition: granted.merging(["client_credentials.federated": 1, "github-oidc": 1]) { $1 },
                             secrets: [try field("github", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")],
                             status: ["flow: workload-identity", "identity: app \(appID)"])
        case .azurePipelines:
            try register(appID, ["federated_credentials": [["issuer": try field("pipelines", "issuer"),
                                                            "subject": try field("pipelines", "subject")]]])
            env["ENTRA_CREDENTIAL_HELPER_FLOW"] = "workload-identity"
            for name in ["SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN"] { env[name] = try field("pipelines", name) }
            env["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"] = try field("pipelines", "service_connection_id")
            return AppCaller(environment: env, identity: appID,
                             perAcquisition: granted.merging(["client_credentials.federated": 1, "pipelines-oidc": 1]) { $1 },
                             secrets: [try field("pipelines", "SYSTEM_ACCESSTOKEN")],
                             status: ["flow: workload-identity", "identity: app \(appID)"])
        case .imds:
            // The system-assigned identity: no AZURE_CLIENT_ID (that would name a user-assigned one).
            // A tenant of its own keeps its cache key (tenant, client id) apart from the other
            // IMDS cases' in this world: the key does not name the managed identity.
            let managed = try emulator.control("managed-identities") as? [String: Any]
            let system = (managed?["system_assigned"] as? [String: Any])?["client_id"] as? String ?? "?"
            return AppCaller(environment: nowhere.merging(["ENTRA_CREDENTIAL_HELPER_FLOW": "managed-identity", "AZURE_TENANT_ID": appID,
                                           "AZURE_POD_IDENTITY_AUTHORITY_HOST": try field("imds", "AZURE_POD_IDENTITY_AUTHORITY_HOST")]) { $1 },
                             identity: system, perAcquisition: ["imds": 1], secrets: [],
                             status: ["flow: managed-identity", "identity: managed identity (system-assigned)"])
        case .appService:
            try emulator.control("managed-identities", ["user_assigned": [["client_id": appID]]])
            return AppCaller(environment: nowhere.merging(["ENTRA_CREDENTIAL_HELPER_FLOW": "managed-identity", "AZURE_CLIENT_ID": appID,
                                           "IDENTITY_ENDPOINT": try field("app_service", "IDENTITY_ENDPOINT"),
                                           "IDENTITY_HEADER": try field("app_service", "IDENTITY_HEADER")]) { $1 },
                             identity: appID, perAcquisition: ["app-service": 1], secrets: [try field("app_service", "IDENTITY_HEADER")],
                             status: ["flow: managed-identity", "identity: managed identity (user-assigned, client id \(appID))"])
        }
    }

    func register(_ appID: String, _ credentials: [String: Any]) throws {
        try emulator.control("apps", credentials.merging(["client_id": appID, "roles": ["Pipeline.Run"]]) { $1 })
    }

    /// The iss, sub and jti of the last client assertion the token endpoint saw.
    func lastAssertion() throws -> [String: Any]? {
        (try emulator.control("last-request?endpoint=token") as? [String: Any])?["assertion"] as? [String: Any]
    }

    /// A token the emulator's OIDC issuer signs, as an AKS service account token.
    func federatedToken(issuer: String, subject: String) throws -> String {
        let answer = try emulator.control("federated-token", ["issuer": issuer, "subject": subject, "lifetime": 3600])
        guard let token = (answer as? [String: Any])?["token"] as? String else { throw ControlFailed(text: "federated-token: \(answer)") }
        return token
    }

    /// A fresh RSA key and self-signed certificate, made with openssl: (the certificate's PEM
    /// for the app registration, the PKCS#12 file holding key and certificate under `password`).
    func certificate(password: String) throws -> (pem: String, p12: String) {
        let name = UUID().uuidString.prefix(8)
        let key = files.file("\(name).key"), cert = files.file("\(name).pem"), p12 = files.file("\(name).p12")
        for argv in [["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ci-\(name)",
                      "-keyout", key, "-out", cert],
                     ["openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", p12, "-passout", "env:P12_PASSWORD"]] {
            let made = try run(argv, environment: ["P12_PASSWORD": password])
            guard made.status == 0 else { throw ControlFailed(text: "\(argv[1]): \(made.stderr)") }
        }
        try FileManager.default.removeItem(atPath: key)
        return (try String(contentsOfFile: cert, encoding: .utf8), p12)
    }

    /// A CA and a leaf it issued, made with openssl: (the leaf's subject, the CA's PEM, a PEM
    /// file holding the leaf's key and certificate).
    func issuedCertificate() throws -> (subject: String, ca: String, pem: String) {
        let name = String(UUID().uuidString.prefix(8)).lowercased()
        let subject = "CN=ci-\(name).contoso.example"
        let ca = files.file("\(name)-ca"), leaf = files.file("\(name)-leaf"), pem = files.file("\(name).pem")
        for argv in [["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ci-ca-\(name)",
                      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
                      "-keyout", "\(ca).key", "-out", "\(ca).pem"],
                     ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/\(subject)", "-keyout", "\(leaf).key",
                      "-out", "\(leaf).csr"],
                     ["openssl", "x509", "-req", "-in", "\(leaf).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
                      "-CAcreateserial", "-days", "2", "-out", "\(leaf).pem"]] {
            let made = try run(argv)
            guard made.status == 0 else { throw ControlFailed(text: "openssl \(argv[1]): \(made.stderr)") }
        }
        let text = try ["\(leaf).key", "\(leaf).pem"].map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        try files.write("\(name).pem", text)
        return (subject, try String(contentsOfFile: "\(ca).pem", encoding: .utf8), pem)
    }

    /// The emulator's counters as one flat table ("token", "grants.device_code",
    /// "client_credentials.secret", …).
    func counters() throws -> [String: Int] {
        var flat: [String: Int] = [:]
        for (name, value) in try emulator.counters() {
            if let count = value as? Int { flat[name] = count }
            for (inner, count) in value as? [String: Int] ?? [:] { flat["\(name).\(inner)"] = count }
        }
        return flat
    }

    /// The counters after `acquisitions` token acquisitions of a caller: every one zero (no
    /// authorize, device code or user grant) but those the source moves.
    func expectedCounters(_ caller: AppCaller, acquisitions: Int) throws -> [String: Int] {
        var expected = try counters().mapValues { _ in 0 }
        for (name, count) in caller.perAcquisition { expected[name] = count * acquisitions }
        return expected
    }

    /// Runs `git credential fill` for the demo repository `count` times at once; returns the
    /// passwords git got and the callers' stderr.
    func parallelGitFills(_ count: Int) throws -> (passwords: [String], stderr: [String]) {
        let callers = try (0..<count).map {
            try e.startTool(["git", "credential", "fill"], stdin: "url=\(e.servers.repositoryURL)\n\n", name: "caller\($0)")
        }
        var passwords: [String] = [], errors: [String] = []
        for (index, caller) in callers.enumerated() {
            caller.wait()
            let out = (try? String(contentsOfFile: e.capture.file("caller\(index).out"), encoding: .utf8)) ?? ""
            passwords += out.split(separator: "\n").filter { $0.hasPrefix("password=") }.map { String($0.dropFirst("password=".count)) }
            errors.append((try? String(contentsOfFile: e.capture.file("caller\(index).err"), encoding: .utf8)) ?? "")
        }
        return (passwords, errors)
    }

    /// Files under the world's HOME, XDG and runtime dirs holding something JWT-shaped.
    func filesWithJWTs() -> [String] {
        var hits: [String] = []
        let root = e.world.home.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        for case let relative as String in walker {
            guard let data = FileManager.default.contents(atPath: "\(root)/\(relative)") else { continue }
            if Self.containsJWT(String(decoding: data, as: UTF8.self)) { hits.append(relative) }
        }
        return hits
    }

    static func containsJWT(_ text: String) -> Bool {
        text.range(of: #"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\."#, options: .regularExpression) != nil
    }
}

/// Starts one AppWorld for the suite it is on, and stops it (its servers) after the suite.
struct SharedAppWorld: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await AppWorld.$current.withValue(try AppWorld()) { try await function() }
    }
}

extension Trait where Self == SharedAppWorld {
    static var sharedAppWorld: Self { Self() }
}
